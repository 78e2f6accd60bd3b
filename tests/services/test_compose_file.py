"""compose/docker-compose.yml and the Dockerfile, checked for structure: no Docker engine runs here, so
`docker compose config` cannot; these checks catch the mistakes it would (and unpinned images)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose" / "docker-compose.yml"
PINNED = re.compile(r"^[\w./-]+:\d+(\.\d+)+[\w.-]*$")  # name:1.2[.3][-variant], never :latest or :16


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_services_are_the_local_cloud_postgres_and_mysql(compose):
    assert set(compose["services"]) == {"localcloud", "postgres", "mysql"}


@pytest.mark.parametrize("service", ["localcloud", "postgres", "mysql"])
def test_every_service_has_a_healthcheck_with_a_command(compose, service):
    check = compose["services"][service]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1
    assert check["retries"] > 0 and check["interval"]


@pytest.mark.parametrize("service", ["localcloud", "postgres", "mysql"])
def test_images_are_pinned(compose, service):
    image = compose["services"][service]["image"]
    assert PINNED.match(image), f"{service} image {image!r} is not pinned to a version"


def test_ports_bind_loopback_only(compose):
    for name, service in compose["services"].items():
        for mapping in service.get("ports", []):
            assert mapping.startswith("127.0.0.1:"), f"{name} publishes {mapping} beyond this machine"


def test_local_cloud_builds_from_the_repository_dockerfile(compose):
    build = compose["services"]["localcloud"]["build"]
    dockerfile = (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve()
    assert dockerfile == ROOT / "Dockerfile" and dockerfile.exists()
    assert "localcloud-state" in compose["volumes"]


def test_dockerfile_base_is_pinned_and_installs_the_engines():
    text = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM\s+(\S+)", text, re.MULTILINE).group(1)
    assert PINNED.match(base), base
    for package in ("postgresql", "mariadb-server", "util-linux"):
        assert package in text
    copied = re.findall(r"^COPY\s+(\S+)", text, re.MULTILINE)
    for source in copied:
        assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
