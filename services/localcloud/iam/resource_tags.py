"""The tags of the resource a request acts on, as condition keys: aws:ResourceTag/<key> (IAM User Guide,
"Controlling access to AWS resources using tags"), the service's own spelling where it has one
(secretsmanager:ResourceTag/<key>), and s3:ExistingObjectTag/<key> for S3 objects (S3 User Guide, "Tagging
and access control policies"). Read from moto's state, and only when a condition asks for one of them
(`TaggedContext`): most requests never pay for it.

Services read: S3 (bucket tags, object tags), DynamoDB tables, SQS queues, SNS topics, Lambda functions,
Secrets Manager secrets, KMS keys, Kinesis streams, IAM roles (AssumeRole's aws:ResourceTag is the role's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localcloud.iam.conditions import Context

_TAG_KEYS = ("resourcetag/", "existingobjecttag/")


def _pairs(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        if "Tags" in raw and isinstance(raw["Tags"], list):  # moto's TaggingService answer
            raw = raw["Tags"]
        else:
            return {str(k): str(v) for k, v in raw.items()}
    found = {}
    for tag in raw or []:
        if isinstance(tag, dict):
            key = tag.get("Key", tag.get("TagKey"))
            if key is not None:
                found[str(key)] = str(tag.get("Value", tag.get("TagValue", "")))
    return found


def _backend(name: str, account: str, region: str) -> Any:
    from localcloud import moto_adapter

    per_account = getattr(moto_adapter, name)[account]
    for key in (region, "aws", "global"):
        try:
            return per_account[key]
        except KeyError:
            continue
    return None


def _parts(arn: str) -> list[str]:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 else ["", "", "", "", "", ""]


def _s3(arn: str, region: str, account: str) -> Context:
    backend = _backend("s3_backends", account, "aws")
    bucket_name, _, key_name = arn.split(":::", 1)[1].partition("/")
    bucket = backend.buckets.get(bucket_name)
    if bucket is None:
        return {}
    if not key_name:
        return _keys("aws:resourcetag/", _pairs(backend.tagger.list_tags_for_resource(bucket.arn)))
    key = bucket.keys.get(key_name)
    return _keys("s3:existingobjecttag/", _pairs(backend.tagger.list_tags_for_resource(key.arn))) if key else {}


def _dynamodb(arn: str, region: str, account: str) -> Context:
    _, _, _, region, account, rest = _parts(arn)
    table = _backend("dynamodb_backends", account, region).tables.get(rest.split("/")[1])
    return _keys("aws:resourcetag/", _pairs(table.tags)) if table is not None else {}


def _sqs(arn: str, region: str, account: str) -> Context:
    _, _, _, region, account, name = _parts(arn)
    queue = _backend("sqs_backends", account, region).queues.get(name)
    return _keys("aws:resourcetag/", _pairs(queue.tags)) if queue is not None else {}


def _sns(arn: str, region: str, account: str) -> Context:
    _, _, _, region, account, _ = _parts(arn)
    topic = _backend("sns_backends", account, region).topics.get(arn)
    return _keys("aws:resourcetag/", _pairs(topic._tags)) if topic is not None else {}


def _lambda(arn: str, region: str, account: str) -> Context:
    _, _, _, region, account, rest = _parts(arn)
    function = _backend("lambda_backends", account, region).get_function(rest.split(":")[1])
    return _keys("aws:resourcetag/", _pairs(function.tags))


def _secretsmanager(arn: str, region: str, account: str) -> Context:
    _, _, _, region, account, _ = _parts(arn)
    secret = _backend("secretsmanager_backends", account, region).secrets.get(arn)
    if secret is None:
        return {}
    tags = _pairs(getattr(secret, "tags", None))
    return {**_keys("aws:resourcetag/", tags), **_keys("secretsmanager:resourcetag/", tags)}


def _kms(arn: str, region: str, account: str) -> Context:
    _, _, _, region, account, rest = _parts(arn)
    backend = _backend("kms_backends", account, region)
    return _keys("aws:resourcetag/", _pairs(backend.tagger.list_tags_for_resource(rest.split("/", 1)[-1])))


def _kinesis(arn: str, region: str, account: str) -> Context:
    _, _, _, region, account, rest = _parts(arn)
    stream = _backend("kinesis_backends", account, region).streams.get(rest.split("/")[1])
    return _keys("aws:resourcetag/", _pairs(stream.tags)) if stream is not None else {}


def _role(arn: str, region: str, account: str) -> Context:
    from localcloud.iam.principals import role_by_arn

    role = role_by_arn(arn)
    return _keys("aws:resourcetag/", _pairs(role.tags)) if role is not None else {}


def _keys(prefix: str, tags: dict[str, str]) -> Context:
    return {f"{prefix}{k.lower()}": [v] for k, v in tags.items()}


_READERS: dict[str, Callable[[str, str, str], Context]] = {
    "s3": _s3, "dynamodb": _dynamodb, "sqs": _sqs, "sns": _sns, "lambda": _lambda,
    "secretsmanager": _secretsmanager, "kms": _kms, "kinesis": _kinesis, "sts": _role, "iam": _role}


def tags_of(prefix: str, resource: str, region: str, account: str) -> Context:
    reader = _READERS.get(prefix)
    if reader is None or not resource.startswith("arn:"):
        return {}
    if prefix == "iam" and ":role/" not in resource:
        return {}
    try:
        return reader(resource, region, account)
    except Exception:  # noqa: BLE001  the resource does not exist (yet): it has no tags
        return {}


Loader = tuple[tuple[str, ...], Callable[[], Context]]  # (key markers, what computes those keys)


class LazyContext(dict):
    """A request context that computes some keys the first time a condition or variable asks for one: each
    loader runs once, when a key containing one of its markers is looked up."""

    __slots__ = ("_loaders",)

    def __init__(self, base: Context, loaders: list[Loader]) -> None:
        super().__init__(base)
        self._loaders = loaders

    def _fill(self, key: str) -> None:
        if not self._loaders:
            return
        for loader in list(self._loaders):
            markers, load = loader
            if any(marker in key for marker in markers):
                self._loaders.remove(loader)
                for name, values in load().items():
                    self.setdefault(name, values)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._fill(key)
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self._fill(key)
        return dict.__contains__(self, key)

    def __getitem__(self, key: str) -> Any:
        self._fill(key)
        return dict.__getitem__(self, key)


def TaggedContext(base: Context, load: Callable[[], Context]) -> LazyContext:
    """A request context that reads the resource's tags the first time a condition asks for a tag key."""
    return LazyContext(base, [(_TAG_KEYS, load)])


TAG_MARKERS = _TAG_KEYS
