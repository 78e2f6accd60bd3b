"""Session keys of a role a service acts as (API Gateway integration credentials), minted once through the
local STS like the Lambda runtime's: a request signed with them is evaluated by enforcement.check as that
role's assumed-role session, with nothing to special-case on the request path."""

from __future__ import annotations

import threading

_keys: dict[tuple[str, str], tuple[str, str, str]] = {}
_lock = threading.Lock()


def role_keys(role_arn: str, session_name: str) -> tuple[str, str, str] | None:
    """(access key, secret key, session token) of a session of `role_arn`; None for a malformed ARN."""
    if ":role/" not in (role_arn or ""):
        return None
    from localcloud.moto_adapter import sts_backends

    account = role_arn.split(":")[4]
    sts = sts_backends[account]["aws"]
    with _lock:
        keys = _keys.get((role_arn, session_name))
        if keys is not None and sts.get_assumed_role_from_access_key(keys[0]) is not None:
            return keys
        try:
            session = sts.assume_role(region_name="us-east-1", role_session_name=session_name, role_arn=role_arn,
                                      policy="", duration=43200, external_id="")
        except Exception:  # noqa: BLE001  a malformed ARN
            return None
        keys = (session.access_key_id, session.secret_access_key, session.session_token)
        _keys[(role_arn, session_name)] = keys
        return keys
