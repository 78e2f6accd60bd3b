"""Athena query executions run in DuckDB over Glue tables (handlers.py, executions.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from localcloud.aws.athena import handlers

if TYPE_CHECKING:
    from localcloud.server.app import LocalCloudApp


def install(app: LocalCloudApp) -> None:
    """Give the handlers a query runner whose S3 mirror lives in the state directory."""
    from localcloud.aws.athena.executions import QueryRunner

    handlers.attach(QueryRunner(app.settings.state_dir / "athena" / "mirror"))
