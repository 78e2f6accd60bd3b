"""DescribeStream pages its shards as AWS does (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/
API_streams_DescribeStream.html): ExclusiveStartShardId starts the page after that shard, Limit bounds it, and
LastEvaluatedShardId names the last shard of a page that did not reach the end. moto ignored both and always
answered every shard, so a reader paging by ExclusiveStartShardId never finished.
"""

from __future__ import annotations

import json

from localcloud.aws.registry import Response, finishes
from localcloud.server.requests import AwsRequest


@finishes("dynamodbstreams")
def page_shards(request: AwsRequest, response: Response) -> Response:
    if request.operation != "DescribeStream" or response[0] >= 300:
        return response
    try:
        params, document = request.json(), json.loads(response[2] or b"{}")
    except ValueError:
        return response
    description = document.get("StreamDescription") if isinstance(document, dict) else None
    if not isinstance(params, dict) or not isinstance(description, dict):
        return response
    shards = description.get("Shards") or []
    start, limit = params.get("ExclusiveStartShardId"), params.get("Limit")
    if start is None and limit is None:
        return response
    ids = [shard.get("ShardId") for shard in shards]
    page = shards[ids.index(start) + 1:] if start in ids else shards
    description.pop("LastEvaluatedShardId", None)
    if isinstance(limit, int) and 0 < limit < len(page):
        page = page[:limit]
        description["LastEvaluatedShardId"] = page[-1].get("ShardId")
    description["Shards"] = page
    body = json.dumps(document).encode()
    headers = [(k, v) for k, v in response[1] if k.lower() not in ("content-length", "x-amz-crc32")]
    return response[0], [*headers, ("Content-Length", str(len(body)))], body
