"""moto finds the account of every request's access key by looking in the IAM backend of every partition
of every account (`moto.iam.models.get_account_id_from`), and looking creates those backends: once any IAM
state exists, the next request to any service built five IAM backends for partitions nobody uses (aws-cn,
aws-us-gov, aws-iso, aws-iso-b, aws-eusc), each with AWS's ~1,600 managed policies — 3 s measured on an
idle machine, paid by that request — and every snapshot then saved them and every restart rebuilt them.

The replacement looks only in backends that exist: a partition without a backend holds no access keys, so
the answer is the same. `installed()` says whether the patch is on; tests assert its target still exists.

Not in MODULES (applied at import of server/moto_backend.py): importing moto's IAM models there would add
0.3 s before the server answers. The state restore applies it first thing instead, before any IAM state
can exist (IAM requests wait for IAM's restore); on a fresh start there is none to look in.
"""

from __future__ import annotations

from typing import Any

_original: Any = None


def get_account_id_from(access_key: str) -> str:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import PARTITION_NAMES, iam_backends

    for account_id, account in list(iam_backends.items()):
        for partition in PARTITION_NAMES:
            backend = dict.get(account, partition)  # not account[partition], which creates it
            if backend is not None and access_key in backend.access_keys:
                return account_id
    return DEFAULT_ACCOUNT_ID


def apply() -> None:
    global _original
    from moto.iam import models

    if _original is None:
        _original = models.get_account_id_from
        models.get_account_id_from = get_account_id_from  # moto.core.responses imports it at each call


def installed() -> bool:
    return _original is not None
