"""The request context: the global condition keys AWS sets on every request (IAM User Guide, "AWS global
condition context keys", reference_policies_condition-keys.html), from the HTTP request and the caller.

Set here: aws:CurrentTime, aws:EpochTime, aws:SecureTransport, aws:SourceIp, aws:RequestedRegion,
aws:ViaAWSService (false: a request that reaches the endpoint was signed by the caller itself), the
principal's keys (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username,
aws:PrincipalTag/*; principals.py) and aws:ResourceAccount. Keys AWS sets only when a service acts for the
caller (aws:SourceArn, aws:SourceAccount, aws:CalledVia, kms:ViaService) are absent, as they are on AWS
for a direct call.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from localcloud.iam.conditions import Context


def request_context(environ: dict[str, Any], region: str, principal_keys: dict[str, list[str]],
                    account: str) -> Context:
    now = time.time()
    secure = environ.get("wsgi.url_scheme") == "https" or environ.get("HTTP_X_FORWARDED_PROTO") == "https"
    context: Context = {
        "aws:currenttime": [datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(now))],
        "aws:securetransport": ["true" if secure else "false"],
        "aws:sourceip": [environ.get("REMOTE_ADDR") or "127.0.0.1"],
        "aws:requestedregion": [region],
        "aws:viaawsservice": ["false"],
        "aws:resourceaccount": [account],
        **principal_keys,
    }
    return context
