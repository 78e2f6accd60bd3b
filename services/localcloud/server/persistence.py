"""Keep moto's state across restarts: one pickle snapshot per service backend under the state dir.

Terraform's state names resources by their ids, so a restart that forgot them would make the next
`make up` recreate everything. Locks and conditions cannot be pickled; they hold no state worth keeping,
so we pickle them as fresh ones (copyreg, in our code; moto's files stay untouched).

Restoring imports moto's service modules, which takes seconds for EC2 and IAM, so it runs in the
background after start-up; a request for a service waits only for that service (`wait_restored`).
Saving writes only the services that changed, a moment after they changed, and all of them at shutdown.
"""

from __future__ import annotations

import copyreg
from collections import defaultdict
from functools import partial
import logging
import os
import pickle
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from moto.backends import get_backend

from localcloud.server.lineage import Lineage
from localcloud.server.readiness import Readiness

log = logging.getLogger("localcloud.persistence")

SNAPSHOT_VERSION = 1
# Requests to one service that change another's state inside moto (RDS creates the managed master secret
# in Secrets Manager and its KMS key; Lambda writes CloudWatch Logs): saved together with their cause.
SIDE_EFFECTS = {"rds": ("secretsmanager", "kms"), "awslambda": ("logs",), "s3": ("sqs", "sns"),
                "sns": ("sqs",), "events": ("sqs", "sns", "stepfunctions"), "scheduler": ("sqs", "sns")}
# Services whose moto state we keep; at shutdown every one that moto loaded is saved, so state changed by
# background work (pollers, deliveries, executions) is not lost either.
PERSISTED = ("apigateway", "athena", "awslambda", "cloudwatch", "dynamodb", "dynamodbstreams", "ec2", "events",
             "glue", "iam", "kinesis", "kms", "logs", "rds", "s3", "scheduler", "secretsmanager", "sns", "sqs",
             "ssm", "stepfunctions", "sts")

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


def _prepare_pickling(service: str) -> None:
    """Service-specific picklers, registered only for a service being saved (its models are loaded then)."""
    if service == "iam":
        from moto.iam.models import IAMBackend

        copyreg.pickle(IAMBackend, _reduce_iam_backend)


class StateStore:
    def __init__(self, state_dir: Path, readiness: Readiness, delay_seconds: float = 2.0) -> None:
        self.directory = state_dir / "moto"
        self.readiness = readiness
        self.delay_seconds = delay_seconds
        self._changed: set[str] = set()
        self._changed_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._restored: dict[str, threading.Event] = {}
        self._pending: list[tuple[str, threading.Event]] = []
        self._saver = threading.Thread(target=self._save_loop, name="state-saver", daemon=True)
        self.lineage = Lineage(self.directory)

    # -- restore ---------------------------------------------------------------------------------
    def hold_snapshots(self) -> None:
        """Before the server answers: hold every service that has a snapshot until it is restored."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.lineage.begin()
        # Smallest first: a big EC2 snapshot should not hold up S3 and SQS.
        pending = sorted(self.directory.glob("*.pickle"), key=lambda p: p.stat().st_size)
        self._pending = [(path.stem, self.readiness.hold(path.stem)) for path in pending]
        self._restored.update(self._pending)
        self._saver.start()

    def restore_all(self) -> None:
        """Restore the held snapshots (the app runs this in its background start thread)."""
        self._restore_all(self._pending)

    def wait_all_restored(self, timeout: float = 60.0) -> None:
        for service in list(self._restored):
            self.wait_restored(service, timeout)

    def wait_restored(self, service: str, timeout: float = 60.0) -> None:
        """Wait for the saved state of `service` only (not for other work holding it)."""
        event = self._restored.get(service)
        if event is not None and not event.wait(timeout):
            log.error("restoring %s took over %.0f s; going on with what is restored", service, timeout)

    def _restore_all(self, held: list[tuple[str, threading.Event]]) -> None:
        for service, done in held:
            try:
                self._restore(service)
            finally:
                done.set()

    def _restore(self, service: str) -> None:
        source = self.directory / f"{service}.pickle"
        for attempt in range(5):
            try:
                with open(source, "rb") as handle:
                    snapshot = pickle.load(handle)
                if snapshot.get("version") != SNAPSHOT_VERSION:
                    raise ValueError(f"snapshot version {snapshot.get('version')} is not {SNAPSHOT_VERSION}")
                backends = get_backend(service)  # type: ignore[arg-type]
                backends.clear()
                backends.update(snapshot["accounts"])
                log.info("restored %s", service)
                return
            except Exception as exc:
                if "deadlock detected" in str(exc) and attempt < 4:
                    # A request's thread was importing the same moto module: transient, try again.
                    time.sleep(0.1 * (attempt + 1))
                    continue
                # A snapshot from another moto version, or a torn file: keep it aside, start empty.
                kept = source.with_suffix(f".unreadable-{int(time.time())}")
                source.rename(kept)
                self.lineage.lost(service)
                log.error("Could not restore %s from %s (%s). It starts empty; the old file is kept as %s. "
                          "Resources Terraform created there will be created again by `make up`.",
                          service, source, exc, kept)
                return

    # -- save ------------------------------------------------------------------------------------
    def mark_changed(self, service: str) -> None:
        with self._changed_lock:
            self._changed.add(service)
            self._changed.update(SIDE_EFFECTS.get(service, ()))
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._saver.join(timeout=10)
        with self._changed_lock:
            self._changed = set()
        saved = [self._save(service) for service in self._loaded_services()]
        if all(saved):
            self.lineage.stopped_cleanly()

    @staticmethod
    def _loaded_services() -> list[str]:
        """Services whose moto models were imported in this run (importing one just to save it costs seconds)."""
        import sys

        module_of = {"awslambda": "moto.awslambda.models", "dynamodbstreams": "moto.dynamodbstreams.models"}
        return [s for s in PERSISTED if module_of.get(s, f"moto.{s}.models") in sys.modules]

    def _save_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait()
            if self._stopping.wait(self.delay_seconds):
                return
            self._wake.clear()
            with self._changed_lock:
                pending, self._changed = self._changed, set()
            for service in pending:
                self._save(service)

    def _save(self, service: str) -> bool:
        """Write atomically: a crash mid-write leaves the previous snapshot intact. False when not saved."""
        try:
            backends = get_backend(service)  # type: ignore[arg-type]
        except Exception:  # not a moto service (our own mounts); nothing to keep
            return True
        _prepare_pickling(service)
        target = self.directory / f"{service}.pickle"
        partial_file = target.with_suffix(".partial")
        for attempt in range(3):
            try:
                data = pickle.dumps({"version": SNAPSHOT_VERSION, "saved_at": time.time(),
                                     "accounts": dict(backends)}, protocol=pickle.HIGHEST_PROTOCOL)
                break
            except RuntimeError:  # a request changed a dict while we walked it: try again shortly
                time.sleep(0.05 * (attempt + 1))
            except Exception:
                log.exception("saving %s failed; its previous snapshot is kept", service)
                return False
        else:
            self.mark_changed(service)
            return False
        partial_file.write_bytes(data)
        os.replace(partial_file, target)
        return True
