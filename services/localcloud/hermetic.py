"""Keep a person's AWS environment away from the local cloud.

Most AWS users' shells hold something: `AWS_DEFAULT_REGION=eu-west-1`, `AWS_PROFILE=work` (with `sso_*`,
`credential_process`, `region` or `endpoint_url` in ~/.aws/config), or real access keys. Any of it leaking
into the local run changes what happens: boto3 resolves a profile that does not exist and fails, the
Terraform provider asks SSO for a token, a seeder looks for the stack's secret in the wrong region, and
real credentials end up in a local log or snapshot.

So every local verb (the server, the Terraform runner, the seeders, the pytest plugin) runs with an
environment in which the AWS SDKs see exactly this: fake credentials, the stack's region, no config or
credentials file, no instance metadata lookups, and `AWS_ENDPOINT_URL` when the caller set one. Only
`deploy-aws` / `destroy-aws` use the person's own AWS configuration.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

from localcloud.config import DEFAULT_REGION

# The local cloud accepts any credentials; these are the ones LocalStack and moto document, so `awslocal`
# users' habits carry over. moto maps access key "test" to account 123456789012.
LOCAL_ACCESS_KEY_ID = "test"
LOCAL_SECRET_ACCESS_KEY = "test"

# Kept from the person's environment: where the endpoint is (the Makefile sets it) and certificate bundles.
_KEPT = ("AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")


def local_aws_environment(environ: MutableMapping[str, str], region: str) -> MutableMapping[str, str]:
    """Rewrite `environ` in place so AWS SDKs and Terraform see only the local cloud; returns it.

    Every other AWS_* variable goes: profiles, session tokens, per-service endpoint overrides
    (`AWS_ENDPOINT_URL_S3`, which would send one service elsewhere), FIPS/dual-stack switches, retry modes.
    """
    for name in [key for key in environ if key.startswith("AWS_") and key not in _KEPT]:
        del environ[name]
    environ.update({
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        # No ~/.aws/config or credentials: a profile's sso_*, credential_process, region or endpoint_url
        # would otherwise still be read (botocore reads the default profile even without AWS_PROFILE).
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # No IMDS probe (1 s per SDK client on a laptop outside EC2; credentials from a real instance role).
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return environ


def enter_local(region: str) -> None:
    """Make this process's own environment local (for scripts that create boto3 clients)."""
    local_aws_environment(os.environ, region)


def enter_local_stack(region: str | None) -> bool:
    """For scripts that serve both targets (the fixtures' seeders): when AWS_ENDPOINT_URL names an endpoint,
    the run is local, so use the stack's region and local credentials; on AWS change nothing. True if local."""
    if not os.environ.get("AWS_ENDPOINT_URL"):
        return False
    local_aws_environment(os.environ, region or DEFAULT_REGION)
    return True
