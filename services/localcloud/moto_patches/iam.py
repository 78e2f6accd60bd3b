"""moto.iam: finding a request's account without building IAM backends nobody uses.

moto finds the account of every request's access key by looking in the IAM backend of every partition of
every account (`moto.iam.models.get_account_id_from`), and looking creates those backends: once any IAM
state exists, the next request to any service built five IAM backends for partitions nobody uses (aws-cn,
aws-us-gov, aws-iso, aws-iso-b, aws-eusc), each with AWS's ~1,600 managed policies - 3 s measured on an idle
machine, paid by that request - and every snapshot then saved them and every restart rebuilt them.
"""

from __future__ import annotations

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("iam")


@PATCHES.replace("moto.iam.models:get_account_id_from", signature="(access_key)")
def get_account_id_from(access_key: str) -> str:
    """Look only in IAM backends that exist: a partition without a backend holds no access keys, so the
    answer is moto's, without creating five backends of managed policies (moto.core.responses looks the
    function up at each call, so replacing the module attribute is enough)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import PARTITION_NAMES, iam_backends

    for account_id, account in list(iam_backends.items()):
        for partition in PARTITION_NAMES:
            backend = dict.get(account, partition)  # not account[partition], which creates it
            if backend is not None and access_key in backend.access_keys:
                return account_id
    return DEFAULT_ACCOUNT_ID
