"""RDS DB instances backed by real PostgreSQL and MySQL/MariaDB servers (see handlers.py, instances.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from localcloud.aws.rds import handlers  # noqa: F401  (registers the RDS handlers)

if TYPE_CHECKING:
    from localcloud.host import Host


def install(app: Host) -> None:
    """Run engines for RDS instances: restore registered ones on start, stop all on shutdown."""
    from localcloud.aws.rds.instances import InstanceManager

    manager = InstanceManager(app.settings.state_dir, host="127.0.0.1",
                              wait_restored=lambda: (app.state.wait_restored("rds"),
                                                     app.state.wait_restored("secretsmanager")))
    app.subsystems.put("rds", manager)  # handlers.py finds it there
    # In the background: restoring imports moto's RDS (seconds) and waits for persisted state to load;
    # RDS requests wait until the engines are back; late: no other service waits behind the engines.
    app.on_start(manager.restore, background=True, holds=("rds",), late=True)
    app.on_stop(manager.shutdown)
    app.add_health(manager.health)
