"""The app owns its subsystems: server/main.py builds it and installs them through the Host interface."""

from __future__ import annotations

import pytest

from localcloud import host
from localcloud.config import Settings


@pytest.fixture
def app(tmp_path):
    from localcloud.server.main import build_app

    built = build_app(Settings(state_dir=tmp_path, port=1))  # built, never started: nothing listens
    yield built
    host.attach(None)


def test_every_subsystem_hangs_off_the_app(app):
    assert {"lambda", "rds", "athena", "schedules", "eventbridge", "sns-delivery", "s3-notifications",
            "event-source-mappings", "alarms", "apigateway-data-plane"} <= set(app.subsystems.names())
    from localcloud import runtime

    assert runtime.current() is app.subsystems.get("lambda")  # what other subsystems invoke through


def test_the_app_offers_everything_the_host_interface_promises(app):
    promised = [name for name in (*host.Host.__annotations__, *vars(host.Host)) if not name.startswith("_")]
    missing = [name for name in promised if not hasattr(app, name)]
    assert promised and not missing, f"LocalCloudApp lacks {missing} of localcloud.host.Host"


def test_a_subsystem_asked_for_outside_the_server_says_where_it_runs():
    host.attach(None)
    with pytest.raises(host.NotInstalled, match="runs inside the local cloud server"):
        host.subsystem("lambda")
    assert host.find("lambda") is None
