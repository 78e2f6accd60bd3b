"""Objects answer with the expiration their bucket's lifecycle rules give them (S3 API reference, PutObject /
GetObject / HeadObject: x-amz-expiration "If the expiration is configured for the object, the response
includes this header. It includes the expiry-date and rule-id key-value pairs"); moto never said.

An enabled rule with an Expiration (Days or Date) applies to an object its filter matches (Prefix, Tag, And
of both; no filter: every object). With Days, the date is the object's creation time plus the days,
"rounded to the next day midnight UTC" ("Setting lifecycle configuration", S3 User Guide).
"""

from __future__ import annotations

import datetime
import functools
from typing import Any
from urllib.parse import parse_qs, urlparse


_MARK = "__localcloud_lifecycle__"
_NOT_OBJECT_ANSWERS = ("tagging", "acl", "retention", "legal-hold", "attributes", "restore", "select", "uploadId",
                       "uploads")


def _matches(rule: Any, key_name: str, tags: dict[str, str]) -> bool:
    prefixes, wanted = [rule.prefix], {}
    lc_filter = getattr(rule, "filter", None)
    if lc_filter is not None:
        prefixes.append(lc_filter.prefix)
        if lc_filter.tag_key:
            wanted[lc_filter.tag_key] = lc_filter.tag_value
        if lc_filter.and_filter is not None:
            prefixes.append(lc_filter.and_filter.prefix)
            wanted.update(lc_filter.and_filter.tags or {})
    return (all(key_name.startswith(p) for p in prefixes if p)
            and all(tags.get(k) == v for k, v in wanted.items()))


def expiration_header(backend: Any, bucket: Any, key: Any) -> str | None:
    tags = backend.tagger.get_tag_dict_for_resource(key.arn)
    for rule in getattr(bucket, "rules", None) or []:
        if rule.status != "Enabled" or not (rule.expiration_days or rule.expiration_date):
            continue
        if not _matches(rule, key.name, tags):
            continue
        if rule.expiration_days:
            created = key.last_modified.replace(tzinfo=datetime.UTC) if key.last_modified.tzinfo is None \
                else key.last_modified
            moment = created + datetime.timedelta(days=int(rule.expiration_days))
            expiry = datetime.datetime.combine(moment.date() + datetime.timedelta(days=1), datetime.time(),
                                               datetime.UTC)
        else:
            expiry = datetime.datetime.fromisoformat(str(rule.expiration_date).replace("Z", "+00:00"))
        return f'expiry-date="{expiry.strftime("%a, %d %b %Y %H:%M:%S GMT")}", rule-id="{rule.id}"'
    return None


def _key_response(original: Any) -> Any:
    @functools.wraps(original)
    def key_response(self: Any, request: Any, full_url: str, *args: Any, **kwargs: Any) -> Any:
        answer = original(self, request, full_url, *args, **kwargs)
        if not isinstance(answer, tuple) or len(answer) != 3 or not 200 <= int(answer[0]) < 300:
            return answer
        query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
        if request.method not in ("GET", "HEAD", "PUT") or any(name in query for name in _NOT_OBJECT_ANSWERS):
            return answer
        status, headers, body = answer
        if any(k.lower() == "x-amz-expiration" for k in headers):
            return answer
        try:
            bucket = self.backend.get_bucket(self.bucket_name)
            key = self.backend.get_object(self.bucket_name, self.parse_key_name(),
                                          version_id=(query.get("versionId") or [None])[0])
        except Exception:  # no such bucket or key: nothing to announce
            return answer
        value = expiration_header(self.backend, bucket, key) if key is not None and bucket.rules else None
        if value:
            headers = {**dict(headers), "x-amz-expiration": value}
        return status, headers, body

    setattr(key_response, _MARK, original)
    return key_response
