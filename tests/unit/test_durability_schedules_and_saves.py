"""In-process, with moto's real models: a schedule that came due while the local cloud was stopped fires
once (not once per missed period), and a save that fails is reported with its reason and retried."""

from __future__ import annotations

import json
import time

from localcloud.clock import clock
from localcloud.testing import wait_for


def test_a_run_missed_while_stopped_fires_once_and_the_schedule_keeps_its_phase():
    from localcloud.events.schedules_runner import ScheduleRunner
    from moto.events.models import events_backends
    from moto.sqs.models import sqs_backends

    account, region = "111122223333", "us-east-1"
    queue = sqs_backends[account][region].create_queue("missed-runs")
    events = events_backends[account][region]
    rule = events.put_rule("every-minute", scheduled_expression="rate(1 minute)", state="ENABLED")
    events.put_targets("every-minute", None, [{"Id": "q", "Arn": queue.queue_arn}])
    # EventBridge delivers under the queue's policy (IAM is enforced on deliveries): let the rule send.
    sqs_backends[account][region].set_queue_attributes("missed-runs", {"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                 "Action": "sqs:SendMessage", "Resource": queue.queue_arn,
                                                 "Condition": {"ArnEquals": {"aws:SourceArn": rule.arn}}}]})})
    now = clock().now()
    runner = ScheduleRunner()
    # Saved by the previous run: first seen 10 min ago, last fired 3.5 periods ago; stopped since.
    runner.restore_state({rule.arn: (("rate(1 minute)", "UTC"), now - 210.0, now - 600.0)})
    runner._tick()
    runner._tick()
    wait_for(lambda: len(queue.messages) >= 1, timeout=10, what="the missed run")
    time.sleep(0.2)  # deliveries run on their own threads; a second one would have landed by now
    assert len(queue.messages) == 1
    due = runner._due[rule.arn][1]
    assert now < due <= now + 60 and (due - (now - 600.0)) % 60 == 0  # next run on the old phase


def test_a_failed_save_is_reported_with_its_reason_then_clears(tmp_path):
    from localcloud.server.persistence import StateStore
    from localcloud.server.readiness import Readiness

    store = StateStore(tmp_path, Readiness())
    store.hold_snapshots()
    store.restore_all()
    store.finish_restore(app=None)  # nothing to replay
    (tmp_path / "moto").write_text("not a directory")  # what a full or broken disk looks like to the saver
    assert store.snapshot() is False
    notes = store.health()["notes"]
    assert notes and "saving state failed" in notes[0] and "moto" in notes[0]
    assert store.health()["persistence"]["failures"] == 1
    (tmp_path / "moto").unlink()
    assert store.snapshot() is True
    assert store.health()["notes"] == [] and store.health()["persistence"]["last_error"] is None
    store.stop()


def test_data_services_are_answered_before_the_slow_restores_and_hooks(tmp_path):
    """Restart time (issue 13): S3 and DynamoDB must not wait for the Step Functions interpreter's import;
    its state restores after the other start hooks."""
    from localcloud.server.persistence import StateStore
    from localcloud.server.readiness import Readiness

    readiness = Readiness()
    store = StateStore(tmp_path, readiness)
    store.hold_snapshots()
    store.restore_all(skip={"stepfunctions"})
    assert not {"s3", "dynamodb", "sqs", "kinesis", "iam"} & readiness.starting()
    assert readiness.starting() == {"stepfunctions"}
    store.restore_rest()
    assert readiness.starting() == set()
    store.finish_restore(app=None)
    store.stop()


def test_no_request_builds_iam_backends_for_partitions_nobody_uses(monkeypatch):
    """moto's per-request access-key lookup created an IAM backend (with ~1,600 AWS managed policies) for
    each of five unused partitions once any IAM state existed: 3 s inside one request, then saved and
    rebuilt by every restart (localcloud/moto_patches/iam.py)."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto.iam import models

    from localcloud import moto_patches
    from localcloud.moto_patches import iam

    moto_patches.apply_all()
    assert models.get_account_id_from is iam.get_account_id_from
    account = "210987654321"
    backend = models.iam_backends[account]["global"]
    backend.create_user("us-east-1", "alice", "/", [])
    key = backend.create_access_key("alice")
    assert models.get_account_id_from(key.access_key_id) == account
    assert models.get_account_id_from("test") == "123456789012"
    assert list(dict.keys(models.iam_backends[account])) == ["aws"]
