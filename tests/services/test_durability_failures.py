"""Failures of saved state are visible and never half-loaded (issue 13), on a real server process:
a save that fails is retried and shown in /_localcloud/health and `localcloud status` until one succeeds;
a snapshot written by another moto version is set aside whole, with a message saying so."""

from __future__ import annotations

import json
import os
import uuid

from localcloud import process
from support import start_cloud, wait_for


def _status(cloud) -> str:
    """What `localcloud status` prints (to the terminal, on stderr), lines unwrapped."""
    answer = cloud.cli("status")
    assert answer.returncode == 0, answer.stderr
    return " ".join((answer.stdout + answer.stderr).split())


def _persistence(cloud) -> dict:
    return process.health(cloud.settings, timeout=30)["persistence"]


def test_a_failing_save_is_retried_and_shown_in_health_and_status_until_it_succeeds(tmp_path):
    cloud = start_cloud(tmp_path / "state", clock_speed=1.0, LOCALCLOUD_SNAPSHOT_SECONDS="1")
    moto_dir, moved = tmp_path / "state" / "moto", tmp_path / "state" / "moto.kept"
    try:
        s3 = cloud.client("s3")
        s3.create_bucket(Bucket="kept")
        wait_for(lambda: _persistence(cloud)["snapshot_seq"] >= 1, what="the first snapshot")
        os.replace(moto_dir, moved)
        moto_dir.write_text("a file where the snapshots' folder should be")  # what a broken disk looks like
        s3.put_object(Bucket="kept", Key="during-the-failure", Body=b"1")
        failed = wait_for(lambda: (saved := _persistence(cloud))["last_error"] and saved,
                          what="the failed save in /_localcloud/health")
        assert "saving state failed" in failed["last_error"]["message"]
        assert "saving state failed" in _status(cloud)
        moto_dir.unlink()
        os.replace(moved, moto_dir)
        first_failures = failed["failures"]
        wait_for(lambda: _persistence(cloud)["last_error"] is None, what="a retried save that succeeds")
        assert _persistence(cloud)["failures"] >= first_failures
        assert "saving state failed" not in _status(cloud)
        cloud.stop()
        cloud.start()
        assert s3.get_object(Bucket="kept", Key="during-the-failure")["Body"].read() == b"1"
    finally:
        if moto_dir.is_file():
            moto_dir.unlink()
            os.replace(moved, moto_dir)
        cloud.stop()


def test_a_snapshot_from_another_moto_version_is_set_aside_whole_and_said_so(tmp_path):
    state = tmp_path / "state"
    cloud = start_cloud(state, clock_speed=1.0)
    try:
        name = f"kept-{uuid.uuid4().hex[:8]}"
        cloud.client("sqs").create_queue(QueueName=name)
        cloud.stop()  # at once: a stop while start-up still restores waits for it and writes the final snapshot
        current = json.loads((state / "moto" / "CURRENT").read_text())["snapshot"]
        manifest_path = state / "moto" / current / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        assert manifest["versions"]["moto"] and manifest["versions"]["localcloud"]  # snapshots say who wrote them
        manifest["versions"]["moto"] = "0.1.0"
        manifest_path.write_text(json.dumps(manifest))
        cloud.start()
        # Health answers at once; the snapshot is read (and set aside) after moto's patches are applied.
        document = wait_for(lambda: (found := process.health(cloud.settings, timeout=30))["persistence"]["set_aside"]
                            and found, what="the restore setting the incompatible snapshot aside")
        message = document["persistence"]["set_aside"]
        assert "moto 0.1.0" in message and "set-aside-" in message, message
        assert any("moto 0.1.0" in note for note in document["notes"])
        assert "moto 0.1.0" in _status(cloud)
        # Never half-loaded: the queue is not there, and the old state is kept whole where the message says.
        assert cloud.client("sqs").list_queues(QueueNamePrefix=name).get("QueueUrls", []) == []
        kept = [path for path in state.glob("set-aside-*/moto/snap-*/sqs.pickle")]
        assert kept, "the set-aside folder does not hold the old snapshot"
    finally:
        cloud.stop()
