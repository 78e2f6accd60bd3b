"""The tag condition keys a request carries: aws:RequestTag/<key> and aws:TagKeys (IAM User Guide, "AWS
global condition context keys"; "Controlling access during AWS requests"): set when a Create* or Tag*
call passes tags, aws:TagKeys alone when an Untag* call names keys. S3 objects use their own keys,
s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys (S3 User Guide, "Tagging and access control
policies").

Every service spells tags its own way; these are the shapes of the services we map:
  [{"Key": k, "Value": v}]  DynamoDB, Secrets Manager, EventBridge, SSM, Athena, Scheduler (and query-protocol
                            `Tags.member.N.Key` in SNS, IAM, STS; `Tags.Tag.N.Key` in RDS)
  {k: v}                    Lambda, Kinesis, SQS, Glue, CloudWatch Logs (`tags`)
  [{"TagKey", "TagValue"}]  KMS
  [{"key", "value"}]        Step Functions
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

_QUERY_TAG = re.compile(r"^(?:Tags|Tag)\.(?:member\.|Tag\.)?(\d+)\.(Key|Value)$")
_QUERY_KEY = re.compile(r"^(?:TagKeys|TagKey)\.(?:member\.)?\d+$")


def _pairs(value: Any) -> dict[str, str] | None:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        found = {}
        for tag in value:
            if not isinstance(tag, dict):
                return None
            key = tag.get("Key", tag.get("key", tag.get("TagKey")))
            if key is None:
                return None
            found[str(key)] = str(tag.get("Value", tag.get("value", tag.get("TagValue", ""))))
        return found
    return None


def _query_pairs(params: dict[str, Any]) -> dict[str, str]:
    numbered: dict[str, dict[str, str]] = {}
    for name, value in params.items():
        match = _QUERY_TAG.match(name)
        if match:
            numbered.setdefault(match.group(1), {})[match.group(2)] = str(value)
    return {t["Key"]: t.get("Value", "") for _, t in sorted(numbered.items()) if "Key" in t}


def _context(tags: dict[str, str], keys: list[str], tag_prefix: str, keys_name: str) -> dict[str, list[str]]:
    context = {f"{tag_prefix}{k.lower()}": [v] for k, v in tags.items()}
    names = keys or list(tags)
    if names:
        context[keys_name] = names
    return context


def tag_context(params: dict[str, Any]) -> dict[str, list[str]]:
    """aws:RequestTag/* and aws:TagKeys from a JSON or query request's parameters ({} without tags)."""
    if not any(name[:3] in ("Tag", "tag") for name in params):
        return {}  # most requests: one pass over the top-level names
    tags: dict[str, str] = {}
    for name in ("Tags", "tags", "TagList"):
        if name in params:
            tags = _pairs(params[name]) or {}
            break
    else:
        tags = _query_pairs(params) if any(n.startswith("Tag") for n in params) else {}
    keys: list[str] = []
    for name in ("TagKeys", "tagKeys", "TagKeyList"):
        if isinstance(params.get(name), list):
            keys = [str(k) for k in params[name]]
    if not keys and any(n.startswith("TagKey") for n in params):
        keys = [str(v) for n, v in params.items() if _QUERY_KEY.match(n)]
    if not tags and not keys:
        return {}
    return _context(tags, keys, "aws:requesttag/", "aws:tagkeys")


def _xml_tags(body: bytes) -> dict[str, str]:
    try:
        tree = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return {}
    found = {}
    for tag in tree.iter():
        if tag.tag.rsplit("}", 1)[-1] == "Tag":
            fields = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in tag}
            if "Key" in fields:
                found[fields["Key"]] = fields.get("Value", "")
    return found


def s3_tag_context(operation: str, environ: dict[str, Any], body: bytes) -> dict[str, list[str]]:
    """S3: bucket tags as aws:RequestTag/*, object tags (PutObjectTagging's body, PutObject's x-amz-tagging
    header) as s3:RequestObjectTag/* and s3:RequestObjectTagKeys."""
    if operation == "PutBucketTagging" and body:
        return _context(_xml_tags(body), [], "aws:requesttag/", "aws:tagkeys")
    if operation == "PutObjectTagging" and body:
        return _context(_xml_tags(body), [], "s3:requestobjecttag/", "s3:requestobjecttagkeys")
    header = environ.get("HTTP_X_AMZ_TAGGING")
    if header and operation in ("PutObject", "CopyObject", "CreateMultipartUpload"):
        tags = {k: v[0] for k, v in parse_qs(header, keep_blank_values=True).items()}
        return _context(tags, [], "s3:requestobjecttag/", "s3:requestobjecttagkeys")
    return {}
