"""Run the local cloud in the foreground: `python -m localcloud.server.main` (what `start --detach` spawns)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from localcloud import host
from localcloud.config import Settings
from localcloud.process import LocalCloudError, ensure_port_free

if TYPE_CHECKING:
    from localcloud.server.app import LocalCloudApp


def build_app(settings: Settings) -> LocalCloudApp:
    """The app with every subsystem installed on it; this process's subsystems are the app's."""
    from localcloud.aws import registry
    from localcloud.components import install_all
    from localcloud.server.app import LocalCloudApp

    app = LocalCloudApp(settings, registry)
    install_all(app)
    host.attach(app.subsystems)  # for code without the app at hand (moto's hooks, the delivery layer)
    return app


def serve(settings: Settings) -> None:
    from localcloud import private_state
    from localcloud.process import bind_warning
    from localcloud.server.http import make_server

    os.umask(0o077)  # state, logs, database files and unpacked code: the user's alone (private_state.py)
    private_state.prepare(settings.state_dir)
    warning = bind_warning(settings)
    if warning:
        print(warning, file=sys.stderr)
        logging.getLogger("localcloud").warning("%s", warning)
    ensure_port_free(settings.host, settings.port)
    app = build_app(settings)
    server = make_server(settings.host, settings.port, app)
    settings.pid_file.write_text(str(os.getpid()))

    stopping = threading.Event()

    def stop_in_order() -> None:
        app.drain()  # schedules and pollers stop, pending events finish (bounded); the endpoint still answers
        server.shutdown()  # then intake stops; `finally` below saves, then stops engines and workers

    def shut_down(signum: int, frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=stop_in_order, name="stop", daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    app.on_start_failure(lambda message: shut_down(0, None))  # the message is logged; main() prints it too
    logging.getLogger("localcloud").info("localcloud serving on %s (state in %s)", settings.endpoint,
                                         settings.state_dir)
    app.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        app.stop()
        host.attach(None)
        server.server_close()
        if settings.pid_file.exists() and settings.pid_file.read_text().strip() == str(os.getpid()):
            settings.pid_file.unlink()
    if app.start_failure:
        raise LocalCloudError(app.start_failure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="localcloud-server")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--state-dir", type=Path)
    parser.add_argument("--allow-remote", action="store_true", default=None,
                        help="serve on a non-loopback --host (other machines can then run code here)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        serve(Settings.from_env(host=args.host, port=args.port, state_dir=args.state_dir,
                                allow_remote=args.allow_remote))
    except LocalCloudError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
