"""Resource-based policies, read from the API state (moto's backends) for the resource a request names:
S3 bucket policies, SQS queue policies, SNS topic policies, Lambda function policies, KMS key policies and
Secrets Manager resource policies. Also the lookups that turn what a request names (a secret's name, a key
alias, a ciphertext) into the ARN a policy is written against.
"""

from __future__ import annotations

import base64
from typing import Any

from localcloud.iam.policy import Policy, compile_policy


def _backend(module: str, name: str, account: str, region: str) -> Any:
    from localcloud import moto_adapter

    per_account = getattr(moto_adapter, name)[account]
    for key in (region, "aws", "global"):
        try:
            return per_account[key]
        except KeyError:
            continue
    return None


def _arn_parts(arn: str) -> list[str]:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 else ["", "", "", "", "", ""]


def secret_arn(secret_id: str, region: str, account: str) -> str:
    if str(secret_id).startswith("arn:"):
        region, account = _arn_parts(secret_id)[3], _arn_parts(secret_id)[4]
    backend = _backend("secretsmanager", "secretsmanager_backends", account, region)
    secret = backend.secrets.get(secret_id) if backend is not None else None
    if secret is not None:
        return secret.arn
    if str(secret_id).startswith("arn:"):
        return secret_id
    # Not created yet (CreateSecret) or unknown: AWS names it by the name and a six-character suffix.
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_id}-??????"


def kms_key_arn(key_id: str, region: str, account: str) -> str:
    if str(key_id).startswith("arn:"):
        region, account = _arn_parts(key_id)[3], _arn_parts(key_id)[4]
    backend = _backend("kms", "kms_backends", account, region)
    try:
        raw = backend.any_id_to_key_id(key_id)
        return backend.keys[raw].arn
    except Exception:  # noqa: BLE001  an unknown key: the request fails in KMS itself (NotFound)
        if str(key_id).startswith("arn:") and ":key/" in key_id:
            return key_id
        return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def kms_key_of_ciphertext(blob: str, region: str, account: str) -> str:
    from localcloud.moto_adapter import kms_ciphertext

    try:
        return kms_ciphertext(base64.b64decode(blob)).key_id
    except Exception:  # noqa: BLE001  not a ciphertext of this local KMS: KMS answers InvalidCiphertext
        return ""


def _s3(arn: str, region: str, account: str) -> str | None:
    bucket = arn.split(":::", 1)[1].split("/", 1)[0]
    backend = _backend("s3", "s3_backends", account, "aws")
    found = backend.buckets.get(bucket) if backend is not None else None
    return found.policy.decode() if found is not None and found.policy else None


def _sqs(arn: str, region: str, account: str) -> str | None:
    _, _, _, region, account, name = _arn_parts(arn)
    queue = _backend("sqs", "sqs_backends", account, region).queues.get(name)
    return queue.policy if queue is not None else None


def _sns(arn: str, region: str, account: str) -> str | None:
    _, _, _, region, account, _ = _arn_parts(arn)
    topic = _backend("sns", "sns_backends", account, region).topics.get(arn)
    return topic.policy if topic is not None else None


def _lambda(arn: str, region: str, account: str) -> str | None:
    _, _, _, region, account, rest = _arn_parts(arn)
    backend = _backend("awslambda", "lambda_backends", account, region)
    try:
        function = backend.get_function(rest.split(":")[1])
        statements = function.policy.statements  # (moto's get_policy() wraps them in {"Policy": ...})
    except Exception:  # noqa: BLE001  no function or no policy
        return None
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


def _kms(arn: str, region: str, account: str) -> str | None:
    _, _, _, region, account, rest = _arn_parts(arn)
    key = _backend("kms", "kms_backends", account, region).keys.get(rest.split("/", 1)[-1])
    return key.policy if key is not None else None


def _secretsmanager(arn: str, region: str, account: str) -> str | None:
    _, _, _, region, account, _ = _arn_parts(arn)
    secret = _backend("secretsmanager", "secretsmanager_backends", account, region).secrets.get(arn)
    return getattr(secret, "policy", None) if secret is not None else None


def _trust(arn: str, region: str, account: str) -> str | None:
    """A role's trust policy: the resource-based policy of sts:AssumeRole* and sts:TagSession on it."""
    from localcloud.iam.principals import role_by_arn

    role = role_by_arn(arn)
    return role.assume_role_policy_document if role is not None else None


_READERS = {"s3": _s3, "sqs": _sqs, "sns": _sns, "lambda": _lambda, "kms": _kms, "secretsmanager": _secretsmanager,
            "sts": _trust}
KEY_POLICY_REQUIRED = {"kms"}  # the key policy must allow (directly, or the account so IAM policies count)
# STS actions on a role that its trust policy must allow, even within the account and even for a caller
# with AdministratorAccess ("IAM role trust policies and KMS key policies are exceptions to this logic,
# because they must explicitly allow access for principals", Policy evaluation logic).
TRUST_POLICY_ACTIONS = {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML",
                        "sts:TagSession", "sts:SetSourceIdentity"}


def resource_policy_required(prefix: str, action: str, policy: Policy | None) -> bool:
    """Whether the resource's own policy must allow: a key policy (when the key has one) or a trust policy
    (a role that does not exist trusts nobody)."""
    if action in TRUST_POLICY_ACTIONS:
        return True
    return prefix in KEY_POLICY_REQUIRED and policy is not None


def resource_account(resource: str) -> str | None:
    """The account in a resource ARN (None for S3 bucket and object ARNs, which carry none)."""
    parts = resource.split(":", 5)
    return parts[4] or None if len(parts) == 6 and parts[0] == "arn" else None


def policy_for(prefix: str, resource: str, region: str, account: str) -> Policy | None:
    """The resource's own policy, compiled, or None where it has none (or the service has no such thing)."""
    reader = _READERS.get(prefix)
    if reader is None or resource == "*" or not resource.startswith("arn:"):
        return None
    try:
        document = reader(resource, region, account)
    except Exception:  # noqa: BLE001  the resource does not exist: the service answers that itself
        return None
    if not document:
        return None
    kind = {"s3": "bucket policy", "sqs": "queue policy", "sns": "topic policy", "lambda": "function policy",
            "kms": "key policy", "secretsmanager": "secret policy", "sts": "trust policy"}[prefix]
    return compile_policy(document, f"{kind} of {resource.split('/', 1)[0] if prefix == 's3' else resource}",
                          "resource")
