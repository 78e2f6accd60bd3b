"""Other local targets: what each needs, what it cannot do, and the compose files they start."""

from pathlib import Path

import pytest
import yaml

from localcloud import backends

ROOT = Path(__file__).resolve().parents[2]


def test_localstack_without_docker_or_token_says_what_is_missing():
    found = backends.problems(backends.get("localstack"), environ={"PATH": "/nonexistent"})
    assert any("needs Docker" in p and "BACKEND=localcloud" in p for p in found)
    assert any("LOCALSTACK_AUTH_TOKEN" in p and "never stores" in p for p in found)


def test_localstack_reports_its_missing_rds_instead_of_hiding_it():
    gaps = " ".join(backends.get("localstack").gaps)
    assert "RDS" in gaps and "postgres:16" in gaps


def test_start_refuses_before_running_anything_when_prerequisites_are_missing(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("LOCALSTACK_AUTH_TOKEN", raising=False)
    with pytest.raises(backends.BackendError, match="Nothing was started"):
        backends.start(backends.get("localstack"), "http://127.0.0.1:1")


def test_command_lines_use_the_repository_compose_files():
    localstack = backends.get("localstack")
    assert localstack.start[:3] == ("docker", "compose", "-f")
    assert localstack.start[3] == str(ROOT / "compose" / "localstack.yml")
    assert localstack.start[-3:] == ("up", "-d", "--wait")
    assert backends.get("ministack").start == ("ministack", "--detach")


def test_unknown_backend_lists_the_choices():
    with pytest.raises(backends.BackendError, match="localstack, ministack"):
        backends.get("nonsense")


def test_localstack_compose_pins_tags_reads_the_token_from_the_environment_and_checks_health():
    document = yaml.safe_load((ROOT / "compose" / "localstack.yml").read_text())
    for name, service in document["services"].items():
        image, _, tag = service["image"].partition(":")
        assert tag and tag != "latest", f"{name} must pin its image tag"
        assert "healthcheck" in service, f"{name} needs a health check"
    token = document["services"]["localstack"]["environment"]["LOCALSTACK_AUTH_TOKEN"]
    assert token.startswith("${LOCALSTACK_AUTH_TOKEN:?")  # from the environment, never a stored value
