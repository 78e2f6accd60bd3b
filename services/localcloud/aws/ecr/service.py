"""The running registry: where its blobs live, which registry a host name means, and how it reaches the
ECR API (host.subsystems "ecr-registry"; installed by localcloud.aws.ecr.install)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from localcloud.aws.ecr import control
from localcloud.aws.ecr.blobstore import BlobStore
from localcloud.aws.ecr.control import Registry

# <account>.dkr.ecr.<region>.amazonaws.com (what AWS and Terraform's repository_url say) and LocalStack's
# <account>.dkr.ecr.<region>.localhost.localstack.cloud, which public DNS resolves to 127.0.0.1.
REGISTRY_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\."
                           r"(?:amazonaws\.com(?:\.cn)?|localhost\.localstack\.cloud)$")
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
