"""ECR that accepts images: the OCI distribution API on the registry hosts, blobs on disk, images in moto.

- distribution.py: the OCI distribution API (`docker push`/`pull`, skopeo, crane, oras, our builder) at
  `<account>.dkr.ecr.<region>.localhost.localstack.cloud:<port>/v2/...` (Host routing) and, offline, the
  path form `127.0.0.1:<port>/v2/<repository>/...` (see service.RegistryService.path_form_registry).
- blobstore.py: content-addressed blob files under <state>/ecr, written whole or not at all.
- control.py: moto's ECR state (repositories, images) as the data plane sees it; pushes go through the
  ECR API (PutImage) so they are journaled and show in DescribeImages.
- handlers.py: after BatchDeleteImage / DeleteRepository, blobs nothing needs are removed.
- images.py: `resolve(image_uri)` for the Lambda runtime; GET /_localcloud/ecr/resolve?uri=<image uri>
  shows what it resolves to (digest, config, layer files), for people and tests.
"""

from __future__ import annotations

from localcloud.aws.ecr import handlers  # noqa: F401  (registers the ECR finisher)
from localcloud.host import Host


def install(host: Host) -> None:
    from localcloud.aws.ecr import distribution
    from localcloud.aws.ecr.service import RegistryService

    service = RegistryService(host.settings, host.handle_aws, host.readiness.wait)
    host.subsystems.put("ecr-registry", service)
    host.mount("/v2", distribution.make_app(service), when=distribution.is_registry_request)
    host.mount("/_localcloud/ecr/resolve", distribution.make_resolve_app(service))
