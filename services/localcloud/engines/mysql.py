"""MySQL-compatible server behind RDS `engine = "mysql"` and `"mariadb"`.

Binaries: MariaDB (`mariadbd` + `mariadb-install-db`, Debian's mariadb-server) is preferred because Debian
ships it; Oracle MySQL (`mysqld`, initialised with `--initialize-insecure`) is used when that is what is
installed. The server runs with its own data directory, port, socket and pid file; it is never the system
service.

The administrator is root@localhost without a password, reachable only through the private socket (0700,
engines/base.py) and never over TCP: 'localhost' never matches a TCP connection with --skip-name-resolve,
and the passwordless root@127.0.0.1 / root@::1 that mariadb-install-db's "normal" authentication creates
are dropped at every start (templates and instances made by earlier versions have them too).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from localcloud.engines.base import Credentials, DatabaseEngine, EngineNotInstalled, search_path

INSTALL_HINT = ("Install it (Debian/Ubuntu: `apt-get install mariadb-server-core mariadb-client-core`; macOS: `brew install mariadb`) "
                "and create the instance again. The system service need not run: localcloud starts its own "
                "server.")


class MySqlEngine(DatabaseEngine):
    kind = "mysql"
    start_timeout = 90.0  # crash recovery on a loaded laptop can take long; a dead server fails at once

    @classmethod
    def locate(cls) -> dict[str, str]:
        search = search_path("/usr/sbin", "/usr/local/sbin")
        server = shutil.which("mariadbd", path=search)
        installer = shutil.which("mariadb-install-db", path=search) or shutil.which("mysql_install_db", path=search)
        if server:
            # mariadb-install-db runs my_print_defaults (Debian ships it in mariadb-client-core).
            if installer and shutil.which("my_print_defaults", path=search):
                return {"server": server, "install": installer}
            raise EngineNotInstalled("MariaDB's server is installed but not its `mariadb-install-db` and "
                                     "`my_print_defaults`, which create a data directory. " + INSTALL_HINT)
        mysqld = shutil.which("mysqld", path=search)
        if mysqld:
            return {"server": mysqld}  # Oracle MySQL: initialises itself with --initialize-insecure
        raise EngineNotInstalled("MySQL/MariaDB is not installed: neither `mariadbd` nor `mysqld` is on PATH. "
                                 "RDS instances with engine mysql or mariadb need one. " + INSTALL_HINT)

    def _base_args(self, binaries: dict[str, str], data_dir: Path) -> list[str]:
        args = [binaries["server"], "--no-defaults", f"--datadir={data_dir}",
                # Small redo log and buffer pool: fast to create and copy, enough for development data.
                "--innodb-log-file-size=16M", "--innodb-buffer-pool-size=64M"]
        if os.geteuid() == 0:
            args.append("--user=root")  # mysqld refuses root unless told; the data is ours anyway
        return args

    def _initialise_template(self, target: Path, binaries: dict[str, str]) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if "install" in binaries:
            command = [binaries["install"], "--no-defaults", f"--datadir={target}",
                       "--auth-root-authentication-method=normal", "--skip-test-db",
                       "--innodb-log-file-size=16M"]
            if os.geteuid() == 0:
                command.append("--user=root")
        else:
            command = [*self._base_args(binaries, target), "--initialize-insecure"]
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed (exit {done.returncode}): "
                               f"{(done.stderr or done.stdout)[-1500:]}")

    @property
    def socket_path(self) -> Path:
        return self.run_dir / "mysqld.sock"

    def _pid_file(self) -> Path:
        # Beside the data, not in the run dir: that one is new each start, and a leftover server is found by it.
        return self.data_dir.parent / "mysqld.pid"

    def _server_command(self, binaries: dict[str, str]) -> list[str]:
        bind = "0.0.0.0" if self.host in ("0.0.0.0", "") else self.host
        command = [*self._base_args(binaries, self.data_dir), f"--port={self.port}", f"--bind-address={bind}",
                   f"--socket={self.socket_path}", f"--pid-file={self._pid_file()}", "--skip-name-resolve",
                   "--skip-log-bin",
                   # Durable enough for development, without an fsync per commit.
                   "--innodb-flush-log-at-trx-commit=2"]
        if "install" not in binaries:
            command.append("--mysqlx=OFF")  # Oracle MySQL's X protocol would claim port 33060 per instance
        return command

    def _admin(self):
        import pymysql

        return pymysql.connect(unix_socket=str(self.socket_path), user="root", connect_timeout=2, autocommit=True)

    def start(self, timeout: float | None = None) -> None:
        super().start(timeout)
        self._drop_tcp_root()

    def _drop_tcp_root(self) -> None:
        """Only the socket's root stays; any account without a password that TCP reaches goes."""
        conn = self._admin()
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT user, host FROM mysql.user WHERE host <> 'localhost' AND "
                               "(user = 'root' OR user = '') AND authentication_string = ''")
                for user, host in cursor.fetchall():
                    cursor.execute("DROP USER %s@%s", (user, host))
        finally:
            conn.close()

    def ping(self) -> bool:
        conn = self._admin()
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
                return cursor.fetchone() == (1,)
        finally:
            conn.close()

    def _execute(self, *statements: tuple[str, tuple]) -> None:
        conn = self._admin()
        try:
            with conn.cursor() as cursor:
                for statement, args in statements:
                    cursor.execute(statement, args)
        finally:
            conn.close()

    def create_master(self, credentials: Credentials) -> None:
        # RDS's master user is 'name'@'%' with every privilege the service allows; ALL ... WITH GRANT OPTION
        # is the local equivalent.
        statements = [
            ("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (credentials.username, credentials.password)),
            ("ALTER USER %s@'%%' IDENTIFIED BY %s", (credentials.username, credentials.password)),
            ("GRANT ALL PRIVILEGES ON *.* TO %s@'%%' WITH GRANT OPTION", (credentials.username,)),
        ]
        if credentials.db_name:
            name = credentials.db_name.replace("`", "``")
            statements.append((f"CREATE DATABASE IF NOT EXISTS `{name}`", ()))
        self._execute(*statements)

    def set_password(self, username: str, password: str) -> None:
        self._execute(("ALTER USER %s@'%%' IDENTIFIED BY %s", (username, password)))
