"""Assuming a role: the role's trust policy decides, as a resource-based policy that must allow.

IAM User Guide, "Policy evaluation logic": "IAM role trust policies and KMS key policies are exceptions ...
they must explicitly allow access for principals". So a trust policy naming the caller (a user, a role
session) allows by itself within the account; one naming the account (`arn:aws:iam::<account>:root`)
delegates to the caller's identity-based policies, which must then allow sts:AssumeRole on the role; one
naming only others (a service, another account, a user) refuses, whatever the caller's policies say.

Who the caller is:
- an IAM user or a role session (role chaining): its own policies, as for any call (principals.py);
- the local default keys: the account's root user, whose identity permissions are everything, so a trust
  policy naming the account (or `*`) lets it assume the role and one naming only a service refuses it. (On
  AWS the root user may not call AssumeRole at all; the local keys stand for a developer of the account.)
- AssumeRoleWithWebIdentity is not signed: the caller is the token's identity provider (the trust policy's
  `Federated` principal: an `oidc-provider/<issuer>` ARN, `cognito-identity.amazonaws.com`,
  `accounts.google.com`, ...), with the token's claims as the `<provider>:aud`, `:sub`, `:amr` condition
  keys (IAM User Guide, "Available keys for AWS web identity federation"). The token's signature is not
  checked: there is no identity provider to check it against locally.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

from localcloud.iam.evaluator import Subject
from localcloud.iam.policy import Caller

WEB_IDENTITY = "AssumeRoleWithWebIdentity"
# Providers whose trust policy principal is their plain name, not an oidc-provider ARN.
_NAMED_PROVIDERS = {"accounts.google.com", "graph.facebook.com", "www.amazon.com", "cognito-identity.amazonaws.com"}


def is_web_identity_request(environ: dict[str, Any], body: bytes) -> bool:
    """An unsigned STS call to AssumeRoleWithWebIdentity (the only unsigned call IAM evaluates)."""
    marker = "Action=" + WEB_IDENTITY
    if marker in environ.get("QUERY_STRING", ""):
        return True
    return environ.get("REQUEST_METHOD") == "POST" and marker.encode() in body[:4096]


def _claims(token: str) -> dict[str, Any]:
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}  # not a JWT: the provider keys stay absent, so conditions on them fail


def _provider(claims: dict[str, Any], provider_id: str) -> str:
    issuer = str(claims.get("iss") or provider_id or "")
    return issuer.removeprefix("https://").removeprefix("http://").rstrip("/")


def web_identity_subject(params: dict[str, Any], account: str) -> Subject:
    """The federated caller of an AssumeRoleWithWebIdentity request on a role of `account`."""
    claims = _claims(str(params.get("WebIdentityToken", "")))
    provider = _provider(claims, str(params.get("ProviderId", "")))
    name = provider if provider in _NAMED_PROVIDERS else f"arn:aws:iam::{account}:oidc-provider/{provider}"
    context: dict[str, list[str]] = {"aws:federatedprovider": [name]}
    audience = claims.get("azp") or claims.get("aud")  # OIDC: "aud" is the azp claim when the token has one
    for key, value in (("aud", audience), ("sub", claims.get("sub")), ("amr", claims.get("amr"))):
        if value:
            context[f"{provider.lower()}:{key}"] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return Subject(Caller(frozenset({name, provider}), account), context=context, holder=f"identity provider {name}",
                   arn=name)


def web_identity_params(environ: dict[str, Any], body: bytes) -> dict[str, str]:
    params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
    return params


def denial_message(action: str, caller_arn: str, resource: str) -> str | None:
    """AWS's own text for a refused AssumeRole* (STS carries no "because ..." reason), else None."""
    if action == "sts:AssumeRoleWithWebIdentity":
        return "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    if action in ("sts:AssumeRole", "sts:TagSession", "sts:AssumeRoleWithSAML", "sts:SetSourceIdentity"):
        return f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource}"
    return None
