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
             "aliases": defaultdict(lambda: {})}
    state["aliases"]["fn"]["live"] = 1
    restored = pickle.loads(pickle.dumps(state))
    assert restored["index"]["a"] is restored["items"][0]
    assert restored["aliases"]["fn"] == {"live": 1} and restored["aliases"]["new"] == {}
    with restored["lock"]:
        pass


def test_private_keys_survive_a_round_trip():
    for key in (rsa.generate_private_key(public_exponent=65537, key_size=2048), ec.generate_private_key(ec.SECP256R1())):
        assert pickle.loads(pickle.dumps(key)).private_numbers() == key.private_numbers()
