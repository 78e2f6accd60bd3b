"""The provider override: every service at the endpoint, offline-safe settings, one block per alias."""

from __future__ import annotations

import re
from pathlib import Path

from localcloud.terraform import override
from localcloud.terraform.endpoint_keys import ENDPOINT_KEYS
from localcloud.terraform.hcl_scan import blocks

PIPELINE_SERVICES = {"s3", "lambda", "kinesis", "dynamodb", "sqs", "sns", "iam", "sts", "secretsmanager", "ssm",
                     "sfn", "events", "scheduler", "logs", "cloudwatch", "apigateway", "glue", "athena", "ec2",
                     "rds", "kms"}


def _endpoints(text: str) -> dict[str, str]:
    return dict(re.findall(r'^\s+(\w+)\s+= "(http[^"]+)"$', text, re.MULTILINE))


def test_every_key_points_at_the_endpoint_and_no_dns_names() -> None:
    text = override.render_provider_override("http://127.0.0.1:4599/", "eu-west-1", [None])
    endpoints = _endpoints(text)
    assert set(endpoints) == set(ENDPOINT_KEYS)
    assert set(endpoints.values()) == {"http://127.0.0.1:4599"}
    assert "localstack.cloud" not in text and "amazonaws.com" not in text
    assert PIPELINE_SERVICES <= set(endpoints)


def test_provider_settings_match_what_tflocal_sets() -> None:
    text = override.render_provider_override("http://127.0.0.1:4599", "eu-west-1", [None])
    for line in ('region = "eu-west-1"', 'access_key                  = "test"',
                 'secret_key                  = "test"', "s3_use_path_style           = true",
                 "skip_credentials_validation = true", "skip_metadata_api_check     = true"):
        assert line in text
    # tflocal lets the provider ask STS for the account id; skipping it leaves ARNs with an empty account.
    assert "skip_requesting_account_id" not in text


def test_no_two_names_of_one_service() -> None:
    # The provider warns "Only one of the following attributes should be set" for aliases (an error to come).
    aliases = {"stepfunctions", "eventbridge", "cloudwatchevents", "cloudwatchlogs", "s3api", "config", "es"}
    assert not aliases & set(ENDPOINT_KEYS)
    assert len(ENDPOINT_KEYS) == len(set(ENDPOINT_KEYS)) > 200


def test_aliased_providers_get_their_own_block_and_keep_their_region(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = var.region\n}\n'
        'provider "aws" {\n  alias  = "replica"\n  region = "eu-west-1"\n  default_tags {\n'
        '    tags = { alias = "not-this-one" }\n  }\n}\n'
        'provider "random" {\n  alias = "other"\n}\n')
    assert override.aws_provider_aliases(tmp_path) == [None, "replica"]
    text = override.render_provider_override("http://h:1", "us-east-1", override.aws_provider_aliases(tmp_path))
    provider_blocks = [b for b in blocks(text) if b.kind == "provider"]
    assert [b.attribute("alias") for b in provider_blocks] == [None, "replica"]
    assert provider_blocks[0].attribute("region") == "us-east-1"
    assert provider_blocks[1].attribute("region") is None


def test_written_and_removed_beside_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    path = override.write_provider_override(tmp_path, "http://h:1", "us-east-1")
    assert path.name == "localcloud_override.tf" and path.is_file()
    override.remove_overrides(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.tf"]


def test_an_older_provider_gets_only_the_keys_it_knows() -> None:
    assert override.keys_for_provider("5.100.0") == ENDPOINT_KEYS
    assert override.keys_for_provider("5.40.0", {"s3", "sqs", "unknown"}) == ("s3", "sqs")


def test_runs_in_one_directory_take_turns(tmp_path: Path) -> None:
    import threading

    from localcloud.terraform.runner import directory_lock
    from rich.console import Console

    entered = threading.Event()

    def second_run() -> None:
        with directory_lock(tmp_path, Console(quiet=True)):
            entered.set()

    with directory_lock(tmp_path, Console(quiet=True)):
        waiting = threading.Thread(target=second_run)
        waiting.start()
        assert not entered.wait(0.3), "a second run wrote its override while the first one's command ran"
    assert entered.wait(5)
    waiting.join()
