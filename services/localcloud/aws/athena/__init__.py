"""Athena query executions run in DuckDB over Glue tables (handlers.py, executions.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from localcloud.aws.athena import handlers  # noqa: F401  (registers the Athena handlers)

if TYPE_CHECKING:
    from localcloud.host import Host


def install(app: Host) -> None:
    """Give the handlers a query runner whose S3 mirror lives in the state directory."""
    from localcloud.aws.athena.executions import QueryRunner

    app.subsystems.put("athena", QueryRunner(app.settings.state_dir / "athena" / "mirror"))  # handlers.py finds it
