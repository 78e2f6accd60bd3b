"""No-op `make up`: `localcloud terraform apply` skips Terraform when nothing changed, and applies again
when the cloud lost or changed state; after `localcloud dev` reloaded a function, the next apply converges
in place, replacing nothing.

A real local cloud and real Terraform on a small stack: a bucket and a function from a zip that
`localcloud build` made, referenced as the pipeline stack does (filename + filebase64sha256).
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request

import pytest

from localcloud.devloop.reloader import Reloader, Unit
from localcloud.packaging import build_all
from localcloud.terraform import fingerprint
from localcloud.terraform.runner import TerraformRunner
from localcloud.testing import isolated

pytestmark = pytest.mark.skipif(not (shutil.which("terraform") or shutil.which("tofu")),
                                reason="needs terraform or tofu on PATH")

STACK = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "build_dir" { type = string }

resource "aws_sns_topic" "kept" {
  name = "fingerprint-kept"
}

resource "aws_iam_role" "fn" {
  name               = "fingerprint-fn"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_lambda_function" "hello" {
  function_name    = "fingerprint-hello"
  role             = aws_iam_role.fn.arn
  runtime          = "python3.11"
  handler          = "handler.handler"
  filename         = "${var.build_dir}/lambdas/hello.zip"
  source_code_hash = filebase64sha256("${var.build_dir}/lambdas/hello.zip")
}
"""


def _topic(cloud) -> str | None:
    topics = [t["TopicArn"] for t in cloud.client("sns").list_topics()["Topics"]]
    return next((arn for arn in topics if arn.endswith(":fingerprint-kept")), None)


def _invoke(cloud) -> object:
    return json.loads(cloud.client("lambda").invoke(FunctionName="fingerprint-hello")["Payload"].read())


def _state(cloud) -> dict:
    with urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/state?detail=1", timeout=60) as answer:
        return json.loads(answer.read())


def _differences(before: dict, after: dict, recorded: dict, now) -> list:
    """What changed, for a failure message: resources in the cloud, and the local inputs."""
    def flat(value, path=()):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from flat(item, (*path, key))
        else:
            yield path, json.dumps(value)[:300]
    old, new = dict(flat(before.get("resources", {}))), dict(flat(after.get("resources", {})))
    cloud = [(key, old.get(key), new.get(key)) for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    local = [key for key in now.local if now.local[key] != recorded["local"].get(key) and key != "files"]
    files = [path for path, entry in now.local["files"].items()
             if recorded["local"]["files"].get(path, [None, None, None])[2] != entry[2]]
    files += sorted(set(recorded["local"]["files"]) ^ set(now.local["files"]))
    return [cloud, local, files, recorded.get("cloud"), now.cloud]


def _epoch(cloud) -> str:
    with urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/health", timeout=30) as answer:
        return json.loads(answer.read())["state"]["epoch"]


# One test, three Terraform runs: each costs 20-40 s on a loaded 2-core machine (the provider's start-up),
# which is the cost the skip saves.
def test_no_op_apply_is_skipped_a_dev_reload_converges_in_place_and_lost_state_is_noticed(tmp_path):
    (tmp_path / "lambdas" / "hello").mkdir(parents=True)
    handler = tmp_path / "lambdas" / "hello" / "handler.py"
    handler.write_text("def handler(event, context):\n    return 1\n")
    build_all(tmp_path / "lambdas", tmp_path / "build", report=lambda line: None)
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(STACK)
    cloud = start_cloud(tmp_path / "state")
    try:
        runner = TerraformRunner(tmp_path / "infra", "fp", cloud.settings.state_dir, cloud.endpoint,
                                 variables={"build_dir": str(tmp_path / "build")})
        assert runner.apply_if_changed() is not None  # the first apply
        started = time.monotonic()
        assert runner.apply_if_changed() is None, "nothing changed, yet Terraform ran"
        assert time.monotonic() - started < 3.0
        epoch, before = _epoch(cloud), _state(cloud)
        cloud.stop()
        cloud.start()  # a clean restart keeps the state and its epoch
        assert _epoch(cloud) == epoch, _state(cloud)
        recorded = fingerprint.read_record(runner.paths.root)
        assert runner.fingerprint(recorded).matches(recorded), (
            "a clean restart brought everything back, yet the fingerprint differs: "
            f"{_differences(before, _state(cloud), recorded, runner.fingerprint(recorded))}")
        assert runner.apply_if_changed() is None

        # localcloud dev updates the function from the rebuilt zip; the next apply updates it in place
        # (Terraform's state still holds the old source_code_hash) and creates or destroys nothing.
        handler.write_text("def handler(event, context):\n    return 2\n")
        reloader = Reloader(tmp_path / "lambdas", tmp_path / "build", cloud.client("lambda"),
                            runner.paths.state_file, runner.directory)
        [reload] = reloader.reload({Unit("function", tmp_path / "lambdas" / "hello")})
        assert reload.updated == ["fingerprint-hello"]
        assert _invoke(cloud) == 2
        finished = runner.apply_if_changed()
        assert finished is not None, "the zip changed since the last apply, yet Terraform was skipped"
        summary = next(line for line in finished.output.splitlines() if line.startswith("Apply complete"))
        assert "0 added" in summary and "0 destroyed" in summary, finished.output[-3000:]
        assert runner.apply_if_changed() is None

        # Changed behind Terraform's back: the resource digest no longer matches the record.
        recorded = fingerprint.read_record(runner.paths.root)
        cloud.client("sns").delete_topic(TopicArn=_topic(cloud))
        assert not runner.fingerprint(recorded).matches(recorded)

        cloud.stop()
        shutil.rmtree(cloud.settings.state_dir / "moto")  # the snapshots are lost: the restarted cloud is empty
        cloud.start()
        assert _epoch(cloud) != epoch
        assert runner.apply_if_changed() is not None, "the restarted cloud lost its state, yet Terraform was skipped"
        assert _topic(cloud) and _invoke(cloud) == 2
        assert runner.apply_if_changed() is None
    finally:
        cloud.stop()


def start_cloud(state_dir):
    from localcloud.runtime.prepare import prepare_runtime

    prepare_runtime()
    return isolated(state_dir).start()
