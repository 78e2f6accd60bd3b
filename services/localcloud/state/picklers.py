"""What moto keeps that pickle cannot take as it is, made picklable (copyreg, in our code; moto's files
stay untouched). Locks and conditions hold no state worth keeping, so they pickle as fresh ones."""

from __future__ import annotations

import contextlib
import copyreg
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from typing import Any

copyreg.pickle(type(threading.Lock()), lambda lock: (threading.Lock, ()))
copyreg.pickle(type(threading.RLock()), lambda lock: (threading.RLock, ()))
copyreg.pickle(threading.Condition, lambda condition: (threading.Condition, ()))
copyreg.pickle(threading.Event, lambda event: (threading.Event, ()))
# moto's Lambda storage indexes functions by ARN weakly; the functions themselves are pickled strongly
# elsewhere in the same snapshot, so the restored index points at the restored functions.
copyreg.pickle(weakref.WeakValueDictionary,
               lambda index: (weakref.WeakValueDictionary, (dict(index.items()),)))


def _picklable_factory(factory: Any) -> Any:
    """moto builds some defaultdicts with `lambda: {}` or `lambda: defaultdict(dict)`, which pickle cannot
    name: swap such a factory for an equivalent that it can (dict, or partial(defaultdict, dict))."""
    if getattr(factory, "__name__", "") != "<lambda>":
        return factory
    produced = factory()
    if type(produced) in (dict, list, set, int, str) and not produced:
        return type(produced)
    if isinstance(produced, defaultdict) and not produced:
        return partial(defaultdict, _picklable_factory(produced.default_factory))
    return factory  # no known equivalent: pickling fails and the save is logged


def _reduce_defaultdict(mapping: defaultdict) -> tuple:
    return defaultdict, (_picklable_factory(mapping.default_factory),), None, None, iter(mapping.items())


copyreg.pickle(defaultdict, _reduce_defaultdict)


def _load_private_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem, password=None)


def _register_private_keys() -> None:
    """KMS keys (and the RDS master secrets that point at them) hold cryptography private keys, which do
    not pickle: keep them as unencrypted PKCS#8 PEM, like the key material of a local test account."""
    try:
        from cryptography.hazmat.bindings._rust import openssl
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # another cryptography layout: such keys stay unpersisted, and saying so is logged
        return

    def reduce(key: Any) -> tuple:
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        return _load_private_key, (pem,)

    for key_type in (openssl.rsa.RSAPrivateKey, openssl.ec.ECPrivateKey):
        copyreg.pickle(key_type, reduce)


_register_private_keys()


def _rebuild_iam_backend(cls: type, state: dict[str, Any]) -> Any:
    """An IAM backend from its snapshot, with AWS's managed policies made afresh (see _reduce_iam_backend)."""
    backend = cls.__new__(cls)
    backend.__dict__.update(state)
    kept = backend.managed_policies
    fresh = backend._init_aws_policies()
    backend.aws_managed_policies = [kept.get(policy.arn, policy) for policy in fresh]
    for policy in backend.aws_managed_policies:
        kept.setdefault(policy.arn, policy)
    return backend


def _reduce_iam_backend(backend: Any) -> tuple:
    """Leave AWS's ~1,600 managed policies out of the IAM snapshot (they made it 24 MB, re-pickled on every
    IAM change while requests waited): only those something is attached to are kept."""
    aws_arns = {policy.arn for policy in backend.aws_managed_policies}
    state = dict(backend.__dict__)
    state["aws_managed_policies"] = []
    state["managed_policies"] = {arn: policy for arn, policy in backend.managed_policies.items()
                                 if arn not in aws_arns or policy.attachment_count > 0}
    return _rebuild_iam_backend, (type(backend), state)


@contextlib.contextmanager
def loading(service: str) -> Iterator[None]:
    """Around unpickling `service`'s snapshot. For DynamoDB: moto's item attributes (LimitedSizeDict) check
    the item's size on every assignment by summing every attribute already there, in Python, and pickle
    restores a dict subclass one assignment at a time, so 100k items took seconds of size sums. Their sizes
    were checked when they were written: while they load, assignment is plain dict assignment (in C).
    DynamoDB requests are held (Readiness) while this runs, so no new item skips the check."""
    if service != "dynamodb":
        yield
        return
    from localcloud.moto_adapter import LimitedSizeDict

    checked = LimitedSizeDict.__dict__.get("__setitem__")
    if checked is None:
        yield
        return
    del LimitedSizeDict.__setitem__
    try:
        yield
    finally:
        LimitedSizeDict.__setitem__ = checked


def _prepare_pickling(service: str) -> None:
    """Service-specific picklers, registered only for a service being saved (its models are loaded then)."""
    if service == "iam":
        from localcloud.moto_adapter import IAMBackend

        copyreg.pickle(IAMBackend, _reduce_iam_backend)

