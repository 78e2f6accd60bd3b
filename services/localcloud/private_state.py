"""The state directory is private: 0700, ours, and nobody else can write into it.

It holds every service's saved state (Secrets Manager values, KMS keys, database files), and loading that
state unpickles what is there (server/persistence.py): whoever can write a file into the directory can run
code as the user of the local cloud. That is safe only while the directory is the user's alone, so a
directory owned by someone else, or writable by a group or everyone, is refused rather than loaded; the
server runs with umask 077, so what it writes is 0600 (files) and 0700 (folders).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from localcloud.errors import LocalCloudError

log = logging.getLogger("localcloud.state")


def prepare(state_dir: Path) -> None:
    """Create `state_dir` 0700, or check an existing one is private (tightening one that is merely readable)."""
    if not state_dir.exists():
        state_dir.parent.mkdir(parents=True, exist_ok=True)
        state_dir.mkdir(mode=0o700, exist_ok=True)
    info = state_dir.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise LocalCloudError(f"The state directory {state_dir} is not a directory. The local cloud cannot keep its "
                              "state there. Remove it, or choose another with --state-dir or LOCALCLOUD_STATE_DIR.")
    if info.st_uid != os.geteuid():
        raise LocalCloudError(
            f"The state directory {state_dir} belongs to user id {info.st_uid}, not to you (user id "
            f"{os.geteuid()}). Its saved state is loaded as code, so the local cloud refuses to start on it. "
            f"Use a directory of your own (--state-dir or LOCALCLOUD_STATE_DIR), or `chown -R` this one if it "
            "is yours.")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise LocalCloudError(
            f"The state directory {state_dir} is writable by other users (mode {stat.S_IMODE(info.st_mode):04o}). "
            "Its saved state is loaded as code, so the local cloud refuses to start on it. If nobody else wrote "
            f"into it, `chmod 700 {state_dir}` and start again; otherwise remove it and start fresh.")
    if info.st_mode & 0o077:
        os.chmod(state_dir, 0o700)  # readable by others (an older localcloud made it 0755): ours, so tighten
        log.info("state directory %s made private (0700)", state_dir)
