"""Which line of saved state the cloud serves: an epoch id that survives a restart only when the state did.

`localcloud terraform apply` skips Terraform when nothing changed since the last apply; "nothing" includes
the cloud itself. A restarted cloud that lost its snapshots (a wiped state dir, an unreadable snapshot, a
crash before the last save, snapshot files swapped for others) serves state that may no longer hold what
Terraform created, so it gets a new epoch, and the runner, seeing the epoch differ from the one it
recorded, applies again.

The epoch is kept only when the previous run stopped cleanly (every loaded service saved at shutdown)
and the snapshot files are exactly the ones it left (same names, sizes and modification times). The
check is conservative: a kill -9 always starts a new epoch, which costs one full apply, never a wrong skip.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from pathlib import Path

log = logging.getLogger("localcloud.lineage")

LINEAGE_FILE = "lineage.json"


def _snapshot_stats(directory: Path) -> dict[str, list[int]]:
    """Every snapshot file under the state's directory (committed snapshots live in snap-*/ folders)."""
    return {str(path.relative_to(directory)): [path.stat().st_size, path.stat().st_mtime_ns]
            for path in sorted(directory.rglob("*.pickle"))}


class Lineage:
    def __init__(self, directory: Path, record: Path | None = None) -> None:
        self.directory = directory  # where the snapshots live
        self._record = record or directory / LINEAGE_FILE
        self.epoch = ""
        self.restore = "starting"  # fresh | restored | not restored: <why>
        self._lock = threading.Lock()

    @property
    def file(self) -> Path:
        return self._record

    def begin(self) -> None:
        """At start, before snapshots are restored: keep the previous epoch or start a new one."""
        snapshots = _snapshot_stats(self.directory) if self.directory.is_dir() else {}
        try:
            previous = json.loads(self.file.read_text())
        except FileNotFoundError:
            previous = None
        except ValueError:
            previous = {}
        if previous is None:
            self._new("fresh" if not snapshots else "not restored: no record of the run that saved the snapshots")
        elif not previous.get("clean_stop"):
            self._new("not restored: the previous run did not stop cleanly, so its last changes may be lost")
        elif previous.get("snapshots") != snapshots:
            self._new("not restored: the snapshot files differ from the ones the previous run left")
        else:
            self.epoch, self.restore = previous["epoch"], "restored"
        self._write(clean_stop=False)

    def lost(self, service: str) -> None:
        """A snapshot could not be restored: that service starts empty, so the state is not what it was."""
        with self._lock:
            self._new(f"not restored: the {service} snapshot was unreadable")
            self._write(clean_stop=False)

    def stopped_cleanly(self) -> None:
        """After the final save at shutdown: the snapshots on disk are this epoch's state."""
        with self._lock:
            self._write(clean_stop=True, snapshots=_snapshot_stats(self.directory))

    def document(self) -> dict[str, str]:
        return {"epoch": self.epoch, "restore": self.restore}

    def _new(self, why: str) -> None:
        self.epoch, self.restore = uuid.uuid4().hex, why
        if why != "fresh":
            log.info("state epoch %s (%s)", self.epoch, why)

    def _write(self, clean_stop: bool, snapshots: dict[str, list[int]] | None = None) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.file.with_suffix(".partial")
        partial.write_text(json.dumps({"epoch": self.epoch, "clean_stop": clean_stop, "snapshots": snapshots}))
        os.replace(partial, self.file)
