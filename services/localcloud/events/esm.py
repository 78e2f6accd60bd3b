"""Event source mappings: a supervisor that runs one poller per mapping, outside every producer's request.

Mappings live in moto's Lambda backend (CreateEventSourceMapping & co. stay moto's); the supervisor scans
them on start (so mappings restored from the state dir keep working after a restart), whenever one is
created or updated, and once a second; it starts a poller per mapping and stops pollers of deleted ones.
Stream checkpoints (where each mapping is in each shard) are saved in the same snapshot as the streams
they point into (never on a clock of their own, which could run ahead of the saved records), so a
restart or a crash resumes where the mapping left off and no record is skipped; records processed after
that snapshot are delivered again (streams are at-least-once on AWS too).
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from localcloud.host import Host

log = logging.getLogger("localcloud.events.esm")


class Checkpoints:
    """(mapping uuid, shard id) -> next position; saved with the state snapshot (see the module docstring).

    `path` is where versions before the snapshot kept them: read once, if no snapshot holds them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._data: dict[str, int] = json.loads(path.read_text())
        except (OSError, ValueError):
            self._data = {}

    def saved_state(self) -> dict[str, int]:
        return dict(self._data)  # in the snapshot's child: no lock (a dict copy is one step)

    def restore_state(self, saved: dict[str, int] | None) -> None:
        if saved is not None:
            self._data = dict(saved)

    def get(self, uuid: str, shard: str) -> int | None:
        return self._data.get(f"{uuid}/{shard}")

    def put(self, uuid: str, shard: str, position: int) -> None:
        with self._lock:
            self._data[f"{uuid}/{shard}"] = position

    def forget(self, uuid: str) -> None:
        with self._lock:
            for key in [k for k in self._data if k.startswith(uuid + "/")]:
                del self._data[key]


def all_mappings() -> list[Any]:
    from localcloud.moto_adapter import lambda_backends

    found = []
    for regions in list(lambda_backends.values()):
        for backend in list(regions.values()):
            found.extend(list(getattr(backend, "_event_source_mappings", {}).values()))
    return found


# Set when a mapping is created or changed (moto_patches/awslambda.py), so the supervisor starts its poller at once.
mapping_changed = threading.Event()


def detach_from_queue(esm: Any) -> None:
    """moto's Queue.add_message receives a batch for every mapping it holds, inside SendMessage."""
    if ":sqs:" not in esm.event_source_arn:
        return
    from localcloud.moto_adapter import sqs_backends

    _, _, _, region, account, name = esm.event_source_arn.split(":", 5)
    queue = sqs_backends[account][region].queues.get(name)
    if queue is not None:
        queue.lambda_event_source_mappings.clear()


class MappingSupervisor:
    def __init__(self, state_dir: Path) -> None:
        self.checkpoints = Checkpoints(state_dir / "events" / "checkpoints.json")
        self.pollers: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="esm-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        mapping_changed.set()
        self._thread.join(timeout=5)
        for poller in list(self.pollers.values()):
            poller.stop()
        for poller in list(self.pollers.values()):
            poller.join(timeout=5)

    def health(self) -> dict[str, object]:
        return {"event_source_pollers": len(self.pollers)}

    def _loop(self) -> None:
        while not self._stop.is_set():
            mapping_changed.clear()
            try:
                self._scan()
            except Exception:  # a backend mid-restore; the next scan sees it whole
                log.exception("scanning event source mappings failed; retrying in a second")
            mapping_changed.wait(1.0)

    def _scan(self) -> None:
        from localcloud.events.esm_sqs import SqsPoller
        from localcloud.events.esm_streams import StreamPoller

        current = {esm.uuid: esm for esm in all_mappings()}
        for uuid, esm in current.items():
            poller = self.pollers.get(uuid)
            if poller is not None and poller.esm is not esm:  # replaced by a restore: start over
                poller.stop()
                poller = None
            if poller is None:
                detach_from_queue(esm)
                kind = SqsPoller if ":sqs:" in esm.event_source_arn else StreamPoller
                poller = kind(esm, self.checkpoints)
                self.pollers[uuid] = poller
                poller.start()
        for uuid in [u for u in self.pollers if u not in current]:
            self.pollers.pop(uuid).stop()
            self.checkpoints.forget(uuid)


def install(app: Host) -> MappingSupervisor:
    supervisor = app.subsystems.put("event-source-mappings", MappingSupervisor(app.settings.state_dir))
    app.on_start(supervisor.start)
    app.on_drain(supervisor.stop)  # pollers finish their batch first; their checkpoints go in the final snapshot
    app.state.register_extra("checkpoints", supervisor.checkpoints.saved_state, supervisor.checkpoints.restore_state)
    app.add_health(supervisor.health)
    return supervisor
