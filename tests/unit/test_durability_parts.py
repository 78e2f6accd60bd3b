"""The durable-state parts on their own: journal framing and torn tails, the gate, the outbox, blobs,
deterministic ids on replay, and snapshots that commit whole or not at all."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from localcloud.state import blobs, replay
from localcloud.state.gate import Gate
from localcloud.state.journal import Journal
from localcloud.state.outbox import Outbox
from localcloud.state.snapshots import IncompatibleSnapshot, SnapshotDir, fork_and_write, wait_child


def test_journal_replays_after_a_position_and_stops_at_a_torn_tail(tmp_path):
    journal = Journal(tmp_path / "journal")
    journal.open(1)
    for n in range(5):
        journal.append({"n": n})
    journal.retire(journal.rotate()[1])
    journal.append({"n": 5})
    journal.close()
    assert [entry["n"] for _, entry in Journal(tmp_path / "journal").entries(after=2)] == [2, 3, 4, 5]
    last = Journal(tmp_path / "journal").segments()[-1]
    with open(last, "ab") as handle:
        handle.write(b"\x00\x00\x01\x00garbage")  # a crash mid-append
    assert [entry["n"] for _, entry in Journal(tmp_path / "journal").entries(after=0)] == [0, 1, 2, 3, 4, 5]


def test_journal_prune_keeps_what_a_snapshot_does_not_hold_and_files_are_private(tmp_path):
    journal = Journal(tmp_path / "journal")
    journal.open(1)
    journal.append("a")
    journal.append("b")
    upto, previous = journal.rotate()  # a snapshot at seq 2
    journal.retire(previous)
    journal.append("c")
    journal.prune(upto)
    journal.close()
    assert [entry for _, entry in Journal(tmp_path / "journal").entries(after=0)] == ["c"]
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in journal.segments())
    assert oct((tmp_path / "journal").stat().st_mode & 0o777) == "0o700"


def test_gate_lets_requests_share_and_a_snapshot_wait_for_them_bounded():
    gate = Gate()
    order: list[str] = []
    release = threading.Event()

    def request() -> None:
        with gate.shared():
            order.append("request in")
            release.wait(5)
            order.append("request out")

    thread = threading.Thread(target=request)
    thread.start()
    while not order:
        time.sleep(0.01)
    with pytest.raises(TimeoutError), gate.exclusive(timeout=0.1):
        pass
    with gate.shared():  # a failed snapshot does not keep requests out
        pass
    threading.Timer(0.1, release.set).start()
    with gate.exclusive(timeout=5):
        order.append("snapshot")
    thread.join()
    assert order == ["request in", "request out", "snapshot"]


def test_outbox_keeps_items_until_done_and_resumes_the_saved_ones():
    first = Outbox()
    kept = first.add("s3", ("arn", "body"))
    gone = first.add("s3", ("arn", "other"))
    first.done("s3", gone)
    saved = first.snapshot()
    assert saved == {"s3": {kept: ("arn", "body")}}
    second = Outbox()
    resumed: list[tuple] = []
    second.register("s3", lambda item_id, item: resumed.append((item_id, item)))
    second.restore(saved)
    assert second.resume() == 1 and resumed == [(kept, ("arn", "body"))]
    assert second.pending() == {"s3": 1} and not second.wait_empty(0.05)
    second.done("s3", kept)
    assert second.wait_empty(0.05)


def test_replayed_requests_draw_the_same_moto_ids():
    replay.install_deterministic_ids()
    from moto.apigateway.utils import create_id
    from moto.moto_api._internal import mock_random

    with replay.seeded(1234):
        first = (create_id(), str(mock_random.uuid4()))
    with replay.seeded(1234):
        again = (create_id(), str(mock_random.uuid4()))
    assert first == again and create_id() != first[0]


def test_only_mutating_requests_are_journaled():
    environ: dict = {"QUERY_STRING": ""}
    assert replay.journaled("dynamodb", "POST", "PutItem", environ)
    assert not replay.journaled("dynamodb", "POST", "Query", environ)
    assert not replay.journaled("sqs", "POST", "ReceiveMessage", environ)
    assert not replay.journaled("awslambda", "POST", "Invoke", environ)
    assert replay.journaled("awslambda", "POST", "Invoke", {"HTTP_X_AMZ_INVOCATION_TYPE": "Event"})
    assert replay.journaled("s3", "PUT", None, environ) and not replay.journaled("s3", "GET", None, environ)


def test_s3_bodies_live_in_blob_files_and_pickle_as_references(tmp_path):
    import pickle

    from moto.s3.models import FakeKey

    store = blobs.install(tmp_path / "blobs")
    key = FakeKey("k", b"x" * 100_000, "123456789012", "us-east-1")
    assert isinstance(key._value_buffer, blobs.BlobBuffer) and len(key.value) == 100_000
    data = pickle.dumps(key)
    assert len(data) < 10_000  # a reference, not the bytes
    restored = pickle.loads(data)
    assert restored.value == key.value and restored.etag == key.etag
    old_path = key._value_buffer.path
    key.value = b"new"  # a new value is a new file; the old one stays for snapshots that refer to it
    assert key._value_buffer.path != old_path and os.path.exists(old_path)
    restored.dispose()
    assert store.collect_garbage(referenced=set()) == 1 and not os.path.exists(old_path)
    assert key.value == b"new"


def test_a_snapshot_commits_whole_in_a_forked_child_and_an_incompatible_one_is_set_aside(tmp_path):
    root = SnapshotDir(tmp_path / "moto")
    partial, parent = root.prepare(7), os.getpid()
    pid, pipe = fork_and_write(lambda: root.write(partial, 7, {"sqs": {"123": {"q": 1}}}, {"sqs"},
                                                  lambda: {"outbox": {}}, [], None, parent))
    assert wait_child(pid, pipe) is None
    loaded = root.load()
    assert loaded.seq == 7 and set(loaded.services) == {"sqs"} and loaded.extras == {"outbox": {}}
    assert oct(loaded.services["sqs"].stat().st_mode & 0o777) == "0o600"
    failing = root.prepare(8)
    pid, pipe = fork_and_write(lambda: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    assert "No space left on device" in wait_child(pid, pipe)
    assert root.load().seq == 7 and not (tmp_path / "moto" / "snap-000000000008").exists()
    manifest = loaded.directory / "manifest.json"
    document = json.loads(manifest.read_text())
    document["versions"]["moto"] = "0.1.0"
    manifest.write_text(json.dumps(document))
    with pytest.raises(IncompatibleSnapshot, match="moto 0.1.0"):
        root.load()
    kept = root.set_aside(tmp_path / "journal")
    assert (kept / "moto" / "CURRENT").exists() and root.load().services == {}
    assert failing.name.endswith(".partial")


def test_a_service_still_restoring_refuses_requests_rather_than_answering_empty():
    from localcloud.server.readiness import NotReady, Readiness

    readiness = Readiness()
    done = readiness.hold("dynamodb")
    readiness.wait("s3", timeout=0.01)  # not held: goes straight on
    with pytest.raises(NotReady, match="still restoring the saved dynamodb state"):
        readiness.wait("dynamodb", timeout=0.05)
    done.set()
    readiness.wait("dynamodb", timeout=0.05)
    assert readiness.starting() == set()


def test_large_lambda_values_are_stored_once_by_content_and_collected_when_unreferenced(tmp_path):
    from localcloud.state.snapshots import ValueUnpickler

    root = SnapshotDir(tmp_path / "moto")
    code = os.urandom(300_000)

    def commit(seq: int, accounts: dict, changed: set) -> None:
        root.write(root.prepare(seq), seq, {"awslambda": accounts}, changed, dict, [], None, None)
        root.remove_older()

    commit(1, {"123": {"fn": code}}, {"awslambda"})
    pickled = root.current() / "awslambda.pickle"
    assert pickled.stat().st_size < 10_000  # a reference, not the zip
    with open(pickled, "rb") as handle:
        assert ValueUnpickler(handle, tmp_path / "moto" / "values").load()["accounts"]["123"]["fn"] == code
    commit(2, {"123": {"fn": code}}, set())  # unchanged: linked, its value still referenced
    assert len(list((tmp_path / "moto" / "values").glob("*/*"))) == 1
    commit(3, {"123": {"fn": b"small"}}, {"awslambda"})  # the code changed: the old zip is unreferenced
    assert list((tmp_path / "moto" / "values").glob("*/*")) == []


def test_a_snapshot_writer_that_never_finishes_is_stopped_and_reported():
    """A forked writer blocked for good (a lock held by another thread at the fork) must not hang the saver
    or `localcloud stop`: it is killed after its bound and the snapshot counts as failed."""
    import os
    import time

    from localcloud.state.snapshots import fork_and_write, wait_child

    pid, pipe = fork_and_write(lambda: time.sleep(60))
    error = wait_child(pid, pipe, timeout=0.5)
    assert error is not None and "did not finish in time" in error
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def test_a_save_writes_only_what_changed_and_never_touches_the_current_snapshot(tmp_path):
    """Save cost (issue 13): a service marked changed whose pickle is the same as before is linked, not
    written and fsynced again; a second snapshot at the same journal position gets a folder of its own."""
    root = SnapshotDir(tmp_path / "moto")

    def commit(seq: int, backends: dict, changed: set) -> dict:
        return root.write(root.prepare(seq), seq, backends, changed, dict, [], None, None)

    commit(1, {"sqs": {"123": {"q": 1}}, "sns": {"123": {"t": 1}}}, {"sqs", "sns"})
    first = root.current()
    phases = commit(1, {"sqs": {"123": {"q": 1}}, "sns": {"123": {"t": 2}}}, {"sqs", "sns"})
    second = root.current()
    assert second != first and first.exists()  # the committed one stays whole until the new one is
    assert (second / "sqs.pickle").stat().st_ino == (first / "sqs.pickle").stat().st_ino  # same bytes: linked
    assert (second / "sns.pickle").stat().st_ino != (first / "sns.pickle").stat().st_ino
    assert set(phases) >= {"pickle", "write", "manifest", "commit"}
    root.remove_older()
    assert not first.exists() and root.load().services.keys() == {"sqs", "sns"}


def test_lambda_code_is_digested_once_in_the_server_not_by_every_snapshot(tmp_path, monkeypatch):
    from localcloud.state import snapshots

    root = SnapshotDir(tmp_path / "moto")
    code = os.urandom(300_000)
    backend = {"123": {"fn": {"zip": code, "b64": code.hex()}}}
    digests = snapshots.ValueDigests()
    monkeypatch.setattr(snapshots, "value_digests", digests)
    digests.refresh(backend)  # in the saver thread, before the fork
    hashed = []
    real = snapshots.hashlib.sha256
    monkeypatch.setattr(snapshots.hashlib, "sha256", lambda data=b"": (hashed.append(len(data)), real(data))[1])
    for seq in (1, 2):
        root.write(root.prepare(seq), seq, {"awslambda": backend}, {"awslambda"}, dict, [], None, None)
    assert hashed == []  # neither snapshot digested the zip or its text again
    assert len(list((tmp_path / "moto" / "values").glob("*/*"))) == 2
    backend["123"]["fn"]["zip"] = os.urandom(300_000)  # new code: digested once, by the next refresh
    digests.refresh(backend)
    assert hashed == [300_000]
