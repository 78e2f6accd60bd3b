"""Snapshots of moto's state must pickle what moto keeps: locks, weak indexes, lambda-made defaultdicts,
and the private keys behind KMS keys (which RDS's managed master secrets point at)."""

import pickle
import threading
import weakref
from collections import defaultdict

from cryptography.hazmat.primitives.asymmetric import ec, rsa

import localcloud.server.persistence  # noqa: F401  (registers the picklers)


class Item:
    pass


def test_locks_weak_indexes_and_lambda_defaultdicts_survive_a_round_trip():
    item = Item()
    state = {"lock": threading.RLock(), "items": [item], "index": weakref.WeakValueDictionary({"a": item}),
             "aliases": defaultdict(lambda: {}), "nested": defaultdict(lambda: defaultdict(dict))}
    state["aliases"]["fn"]["live"] = 1
    state["nested"]["a"]["b"]["c"] = 1
    restored = pickle.loads(pickle.dumps(state))
    assert restored["index"]["a"] is restored["items"][0]
    assert restored["aliases"]["fn"] == {"live": 1} and restored["aliases"]["new"] == {}
    assert restored["nested"]["a"]["b"] == {"c": 1} and restored["nested"]["x"]["y"] == {}
    with restored["lock"]:
        pass


def test_private_keys_survive_a_round_trip():
    for key in (rsa.generate_private_key(public_exponent=65537, key_size=2048), ec.generate_private_key(ec.SECP256R1())):
        assert pickle.loads(pickle.dumps(key)).private_numbers() == key.private_numbers()


def test_iam_snapshot_leaves_out_unattached_aws_policies_and_restores_them(monkeypatch):
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto.iam.models import IAMBackend

    from localcloud.server.persistence import _prepare_pickling

    backend = IAMBackend("global", account_id="210987654321")
    backend.create_role("r", "{}", "/", None, "", [], None, None)
    attached = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    backend.attach_role_policy(attached, "r")
    _prepare_pickling("iam")
    data = pickle.dumps(backend)
    assert len(data) < 200_000  # every AWS policy pickled came to ~24 MB
    restored = pickle.loads(data)
    assert len(restored.aws_managed_policies) == len(backend.aws_managed_policies) > 1000
    assert restored.get_role("r").managed_policies[attached] is restored.managed_policies[attached]
    assert restored.managed_policies[attached].attachment_count == 1


def test_dynamodb_items_restore_without_re_checking_their_size_and_keep_the_limit():
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    from localcloud.state.picklers import loading

    item = Item(DynamoType({"S": "k"}), None, {"id": {"S": "k"}, "n": {"N": "7"}})
    data = pickle.dumps(item)
    calls = []
    original = LimitedSizeDict.__setitem__
    LimitedSizeDict.__setitem__ = lambda self, key, value: (calls.append(key), original(self, key, value))[1]
    try:
        with loading("dynamodb"):
            restored = pickle.loads(data)
        assert calls == []  # the O(attributes) size sum is not run once per attribute on restore
        pickle.loads(data)
        assert calls == ["id", "n"]  # outside `loading`, the check is back
    finally:
        LimitedSizeDict.__setitem__ = original
    assert type(restored.attrs) is LimitedSizeDict and restored.attrs == item.attrs
    try:  # and the restored item still refuses what AWS refuses (400 KB)
        restored.attrs["big"] = DynamoType({"S": "x" * 410_000})
    except ItemSizeTooLarge:
        pass
    else:
        raise AssertionError("a restored item took an attribute over DynamoDB's 400 KB item limit")
