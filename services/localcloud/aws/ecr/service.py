"""The running registry: where its blobs live, which registry a host name means, and how it reaches the
ECR API (host.subsystems "ecr-registry"; installed by localcloud.aws.ecr.install)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from localcloud.aws.ecr import control
from localcloud.aws.ecr.blobstore import BlobStore
from localcloud.aws.ecr.control import Registry

# <account>.dkr.ecr.<region>.amazonaws.com (what AWS and Terraform's repository_url say) and LocalStack's
# <account>.dkr.ecr.<region>.localhost.localstack.cloud, which public DNS resolves to 127.0.0.1.
REGISTRY_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\."
                           r"(?:amazonaws\.com(?:\.cn)?|localhost\.localstack\.cloud)$")
log = logging.getLogger("localcloud.ecr")
LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


def host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def registry_of_host(host: str) -> Registry | None:
    """The registry a registry host names; None for the endpoint's plain host (the path form)."""
    match = REGISTRY_HOST.match(host_name(host))
    return Registry(match["account"], match["region"]) if match else None


class RegistryService:
    def __init__(self, settings: Any, handle_aws: Callable[[dict[str, Any]], Any],
                 wait_ready: Callable[[str], None] = lambda service: None) -> None:
        self.settings = settings
        self.blobs = BlobStore(settings.state_dir / "ecr")
        self.handle_aws = handle_aws
        self._wait_ready = wait_ready
        # Held while a completed blob is linked to its repository and while garbage is collected: a blob is
        # never seen complete but unlinked, so the collector needs no grace period.
        self.lock = threading.Lock()

    def collect_soon(self) -> None:
        """Free the blobs no image or repository needs any more (after BatchDeleteImage, DeleteRepository),
        in the background: a delete of a large repository answers at once."""
        def collect() -> None:
            try:
                with self.lock:
                    blobs, uploads = self.blobs.collect_garbage(control.referenced_blobs())
                if blobs or uploads:
                    log.info("removed %d image blobs and %d abandoned uploads no repository needs", blobs, uploads)
            except Exception:
                log.exception("collecting unreferenced image blobs failed; they stay on disk")

        threading.Thread(target=collect, name="ecr-blob-gc", daemon=True).start()

    def wait_ready(self) -> None:
        """ECR's saved state is restored (and the journal replayed) before the registry reads it."""
        self._wait_ready("ecr")

    def path_form_registry(self, repository: str) -> Registry:
        """The path form (`127.0.0.1:<port>/<repo>`) names no account or region: the endpoint's account,
        and the region that holds `repository` - the endpoint's region (LOCALCLOUD_REGION) when it has
        one there or nowhere, else the one region that has it."""
        account, region = self.settings.account_id, self.settings.region
        held = control.regions_holding(account, repository)
        if region in held or len(held) != 1:
            return Registry(account, region)
        return Registry(account, held[0])

    def registry_for(self, host: str, repository: str) -> Registry:
        return registry_of_host(host) or self.path_form_registry(repository)
