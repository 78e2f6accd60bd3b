"""ECR API answers we act on: deleting images or repositories frees the blobs nothing needs any more."""

from __future__ import annotations

from localcloud import host
from localcloud.aws.registry import finishes
from localcloud.server.requests import AwsRequest

Response = tuple[int, list[tuple[str, str]], bytes]
FREEING = ("BatchDeleteImage", "DeleteRepository")


@finishes("ecr")
def collect_freed_blobs(request: AwsRequest, response: Response) -> Response:
    """Not while the journal is replayed: a later entry may push an image naming those blobs again."""
    if request.operation in FREEING and response[0] < 400 and not request.environ.get("localcloud.replay"):
        service = host.find("ecr-registry")
        if service is not None:
            service.collect_soon()
    return response
