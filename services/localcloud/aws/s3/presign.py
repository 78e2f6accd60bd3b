"""Presigned S3 requests expire, as on AWS; moto 5.2.5 answered them forever.

- Query-string SigV4 (X-Amz-Date + X-Amz-Expires): past date + expires, 403 AccessDenied "Request has
  expired"; X-Amz-Expires above 604800 (seven days) or not a number, 400 AuthorizationQueryParametersError
  ("Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", S3 API reference).
- Query-string SigV2 (AWSAccessKeyId + Signature + Expires, an epoch second): past Expires, the same 403
  ("Authenticating Requests Using REST", query string request authentication alternative).
- Browser-based POST uploads: the policy document's `expiration` passed, 403 AccessDenied "Invalid
  according to Policy: Policy expired." ("Creating a POST policy", S3 API reference).

Every bucket- and object-level request is checked, whatever the operation.

A browser-based POST upload's `tagging` field (a Tagging XML document, "Object tagging", S3 User Guide) tags
the object; a field that is not XML is 400 MalformedXML and nothing is stored. moto ignored the field.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

import xmltodict
from moto.s3.exceptions import MalformedXML

MAX_SIGV4_EXPIRES = 604_800
_MARK = "__localcloud_presign__"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def error_response(status: int, code: str, message: str, **extra: str) -> tuple[int, dict[str, str], bytes]:
    fields = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in extra.items())
    request_id = uuid.uuid4().hex[:16].upper()
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}'
            f"</Message>{fields}<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>")
    return status, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, body.encode()


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def check_query_signature(query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes] | None:
    """The refusal for an expired or malformed presigned URL, or None to serve it."""
    if "X-Amz-Credential" in query or "X-Amz-Signature" in query:
        date, expires = _first(query, "X-Amz-Date"), _first(query, "X-Amz-Expires")
        if expires is None or date is None:
            return None  # no expiry to enforce (moto answers missing parts as it does)
        try:
            seconds = int(expires)
        except ValueError:
            return error_response(400, "AuthorizationQueryParametersError", "X-Amz-Expires should be a number")
        if seconds < 0:
            return error_response(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be non-negative")
        if seconds > MAX_SIGV4_EXPIRES:
            return error_response(400, "AuthorizationQueryParametersError",
                          "X-Amz-Expires must be less than a week (in seconds) that is; 604800")
        try:
            signed = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        except ValueError:
            return error_response(400, "AuthorizationQueryParametersError",
                          "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        deadline, now = signed + datetime.timedelta(seconds=seconds), _now()
        if now > deadline:
            return error_response(403, "AccessDenied", "Request has expired", **{
                "X-Amz-Expires": str(seconds), "Expires": _iso(deadline), "ServerTime": _iso(now)})
        return None
    if "Signature" in query and "Expires" in query:
        try:
            deadline = datetime.datetime.fromtimestamp(int(_first(query, "Expires") or ""), datetime.UTC)
        except (ValueError, OverflowError):
            return error_response(403, "AccessDenied", "Invalid date (should be seconds since epoch): "
                          f"{_first(query, 'Expires')}")
        now = _now()
        if now > deadline:
            return error_response(403, "AccessDenied", "Request has expired",
                          Expires=_iso(deadline), ServerTime=_iso(now))
    return None


def check_post_policy(form: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes] | None:
    encoded = _first({k.lower(): v for k, v in form.items()}, "policy")
    if not encoded:
        return None
    try:
        policy = json.loads(base64.b64decode(encoded))
        expiration = datetime.datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return error_response(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=datetime.UTC)
    if _now() > expiration:
        return error_response(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    return None


def _checked(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def checked(self: Any, request: Any, full_url: str, *args: Any, **kwargs: Any) -> Any:
        refusal = check_query_signature(parse_qs(urlparse(full_url).query, keep_blank_values=True))
        if refusal is not None:
            return refusal
        return original(self, request, full_url, *args, **kwargs)

    setattr(checked, _MARK, original)
    return checked


def post_tags(form: dict[str, list[str]]) -> dict[str, str] | None:
    """The tags a POST upload's `tagging` field asks for (None: no field); MalformedXML if it is not XML."""
    document = _first({k.lower(): v for k, v in form.items()}, "tagging")
    if document is None:
        return None
    try:
        parsed = xmltodict.parse(document, force_list=("Tag",))
    except Exception:  # expat's errors are not one class
        raise MalformedXML() from None
    tag_set = (parsed.get("Tagging") or {}).get("TagSet") if isinstance(parsed.get("Tagging"), dict) else None
    tags = (tag_set or {}).get("Tag") or [] if isinstance(tag_set, dict) else []
    return {str(t.get("Key")): str(t.get("Value") or "") for t in tags if isinstance(t, dict) and t.get("Key")}


def _checked_post(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def checked(self: Any, request: Any, bucket_name: str) -> Any:
        form = getattr(self, "querystring", None)  # moto puts the form's fields here
        if self.is_delete_keys() or not isinstance(form, dict):
            return original(self, request, bucket_name)
        refusal = check_post_policy(form)
        if refusal is not None:
            return refusal
        tags = post_tags(form)
        answer = original(self, request, bucket_name)
        if tags is not None and isinstance(answer, tuple) and 200 <= int(answer[0]) < 400:
            key = self.backend.get_object(bucket_name, form["key"][0])
            if key is not None:
                self.backend.put_object_tagging(key, tags)
        return answer

    setattr(checked, _MARK, original)
    return checked


# Query-string authentication parameters (SigV2: AWSAccessKeyId, Signature, Expires; SigV4: X-Amz-*) are not
# object metadata; moto stored a presigned PUT's SigV2 `Expires` as the object's Expires header.
_AUTH_PARAMETERS = ("AWSAccessKeyId", "Signature", "Expires")


def _metadata_without_auth(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def metadata_from_headers(headers: Any) -> Any:
        if isinstance(headers, dict) and "Signature" in headers and "AWSAccessKeyId" in headers:
            headers = {k: v for k, v in headers.items() if k not in _AUTH_PARAMETERS}
        return original(headers)

    setattr(metadata_from_headers, _MARK, original)
    return metadata_from_headers
