"""Queue URLs that name their region, as AWS's do: two regions, two URLs.

AWS: https://sqs.<region>.amazonaws.com/<account>/<name> ("Queue and message identifiers", SQS Developer
Guide). moto builds `<scheme>://<the request's host>/<account>/<name>`, so a queue of the same name in two
regions had one URL, and a URL could not say which queue it was.

The form chosen here, by what the request addressed:
- a host that already names the region (sqs.<region>.amazonaws.com, <region>.queue.amazonaws.com,
  sqs.<region>.localhost.localstack.cloud): that host, as moto builds it (AWS's own form);
- the endpoint itself (127.0.0.1:4566, localhost): queues of us-east-1 keep `<endpoint>/<account>/<name>`,
  queues of every other region get `sqs.<region>.localhost.localstack.cloud:<port>/<account>/<name>`.

Why not a path form (/queue/<region>/<account>/<name>): the Terraform provider reads a queue's name from its
URL and refuses any path that is not exactly /<account>/<name> ("SQS Queue URL (%s) is in the incorrect
format", hashicorp/aws 5.100), so every aws_sqs_queue would fail to read. Why us-east-1 keeps the
endpoint's address: AWS's legacy URLs left us-east-1 unnamed too (https://queue.amazonaws.com/...), and a
queue URL is also an address: the SDK for JavaScript v3 sends a queue's requests to its URL's host when it
differs from the endpoint, and the LocalStack name needs public DNS (it resolves to 127.0.0.1 there, but
not offline). So the stacks that run today (us-east-1) see exactly the URLs they saw; a second region is
told apart. The queue is found from the request's region and the URL's last segment, whatever the host.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import ParseResult

from localcloud.config import DEFAULT_DOMAIN

# The region whose queues keep the endpoint's own address.
UNNAMED_REGION = "us-east-1"
_REGIONAL_HOST = re.compile(r"^(sqs\.[a-z0-9-]+\.|[a-z]{2}(-[a-z]+)+-\d\.queue\.)")


def queue_url(queue: Any, request_url: ParseResult) -> str:
    netloc = request_url.netloc
    host, _, port = netloc.partition(":")
    if not _REGIONAL_HOST.match(host) and queue.region != UNNAMED_REGION:
        netloc = f"sqs.{queue.region}.{DEFAULT_DOMAIN}" + (f":{port}" if port else "")
    return f"{request_url.scheme}://{netloc}/{queue.account_id}/{queue.name}"
