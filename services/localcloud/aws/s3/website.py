"""PutBucketWebsite validates the configuration as AWS does ("Configuring an index document", "Configuring
redirects", S3 User Guide; WebsiteConfiguration in the S3 API reference); moto stored anything:

- without RedirectAllRequestsTo, an IndexDocument Suffix is required, non-empty and without a slash;
- RedirectAllRequestsTo excludes IndexDocument, ErrorDocument and RoutingRules;
- a redirect's Protocol is http or https; a redirect replaces the key or its prefix, not both;
- RoutingRules holds at least one rule; a rule's Condition, when present, is not empty; every rule has a
  Redirect.
"""

from __future__ import annotations

import functools
from typing import Any

import xmltodict
from moto.s3.exceptions import InvalidArgumentError, MalformedXML, S3ClientError

_MARK = "__localcloud_website__"


class InvalidWebsiteRequest(S3ClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequest", message)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _check_redirect(redirect: Any) -> None:
    if not isinstance(redirect, dict):
        return
    if redirect.get("Protocol") is not None and redirect["Protocol"] not in ("http", "https"):
        raise InvalidWebsiteRequest("Invalid protocol, protocol can be http or https. If not defined the protocol "
                                    "will be selected automatically.")
    if "ReplaceKeyPrefixWith" in redirect and "ReplaceKeyWith" in redirect:
        raise InvalidWebsiteRequest("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")


def check_website_configuration(document: bytes) -> None:
    try:
        configuration = xmltodict.parse(document).get("WebsiteConfiguration")
    except Exception:
        raise MalformedXML() from None
    if not isinstance(configuration, dict):
        raise MalformedXML()
    redirect_all = configuration.get("RedirectAllRequestsTo")
    index = configuration.get("IndexDocument")
    if redirect_all is not None:
        if any(configuration.get(k) is not None for k in ("IndexDocument", "ErrorDocument", "RoutingRules")):
            raise InvalidArgumentError("RedirectAllRequestsTo cannot be provided in conjunction with other Routing "
                                       "Rules.", "RedirectAllRequestsTo", "not null")
        _check_redirect(redirect_all)
        return
    if index is None:
        raise InvalidArgumentError("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is "
                                   "empty", "IndexDocument", "null")
    suffix = index.get("Suffix") if isinstance(index, dict) else None
    if not suffix or "/" in suffix:
        error = S3ClientError("InvalidArgument", "The IndexDocument Suffix is not well formed")
        error.extra_fields = {"ArgumentName": "IndexDocument", "ArgumentValue": suffix or ""}  # empty: <ArgumentValue/>
        raise error
    rules = configuration.get("RoutingRules")
    if "RoutingRules" in configuration and not (isinstance(rules, dict) and rules.get("RoutingRule")):
        raise MalformedXML()  # the element, without a rule
    for rule in _as_list(rules.get("RoutingRule") if isinstance(rules, dict) else None):
        if not isinstance(rule, dict) or "Redirect" not in rule:
            raise MalformedXML()
        if "Condition" in rule and not rule["Condition"]:
            raise InvalidWebsiteRequest("Condition cannot be empty. To redirect all requests without a condition, "
                                        "the condition element shouldn't be present.")
        _check_redirect(rule["Redirect"])


def _checked(original: Any) -> Any:
    @functools.wraps(original)
    def put_bucket_website(self: Any, bucket_name: str, website_configuration: bytes) -> Any:
        self.get_bucket(bucket_name)  # NoSuchBucket first
        check_website_configuration(website_configuration)
        return original(self, bucket_name, website_configuration)

    setattr(put_bucket_website, _MARK, original)
    return put_bucket_website
