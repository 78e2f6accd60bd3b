"""The local console at /_localcloud/console/: resources, the event flow, logs, executions, mail and the
warehouse dashboard, served by the endpoint itself (no account, no extra process, no network).

`install(app)` mounts it; components.install_all calls that. Pages are static files shipped with the
package (static/), drawing from the JSON API in routes.py; charts use the vendored Vega-Lite (static/vendor).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localcloud.host import Host

PREFIX = "/_localcloud/console"


def url(endpoint: str) -> str:
    return f"{endpoint.rstrip('/')}{PREFIX}/"


def install(app: Host) -> None:
    from localcloud.console.app import ConsoleApp

    app.mount(PREFIX, ConsoleApp(app.settings))
