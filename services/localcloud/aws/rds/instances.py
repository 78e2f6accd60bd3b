"""The DB instances we run: a small registry in the state directory and the engine behind each one.

The registry (state_dir/rds/instances.json) is ours, independent of moto's state: on start we bring every
instance back (re-creating moto's record when moto lost it) so data survives a restart of the local cloud.
Engine work (copy, start, stop) runs on one thread per operation; the API answers at once with the
transitional status AWS shows (creating, starting, rebooting) and the thread moves it on.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localcloud.aws.rds import models
from localcloud.engines.base import (
    Credentials,
    DatabaseEngine,
    EngineNotInstalled,
    EngineStartFailed,
    free_port,
)
from localcloud.engines.mysql import MySqlEngine
from localcloud.engines.postgres import PostgresEngine

log = logging.getLogger("localcloud.rds")

ENGINE_CLASSES: dict[str, type[DatabaseEngine]] = {
    "postgres": PostgresEngine,
    "mysql": MySqlEngine,
    "mariadb": MySqlEngine,
}
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}
PORT_ATTEMPTS = 3  # a port lost to another process between our probe and the server's bind: try another


class InstanceManager:
    def __init__(self, state_dir: Path, host: str = "127.0.0.1",
                 wait_restored: Callable[[], object] = lambda: None) -> None:
        self.root = state_dir / "rds"
        self.host = host
        self._wait_restored = wait_restored
        self.restored = threading.Event()
        self._restore_began = False  # shutdown waits for a restore only once one began (a failed start has none)
        self._stopping = False
        self._registry_file = self.root / "instances.json"
        self._lock = threading.RLock()
        self._reserved_ports: set[int] = set()
        self._entries: dict[str, dict[str, Any]] = {}
        self._engines: dict[str, DatabaseEngine] = {}
        self._threads: dict[str, threading.Thread] = {}
        self.failures: dict[str, str] = {}  # instance id -> why it is `failed`, for the log and the health page

    # --- registry ------------------------------------------------------------------------------------
    def load(self) -> None:
        try:
            self._entries = json.loads(self._registry_file.read_text())
        except FileNotFoundError:
            self._entries = {}

    def _save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self._registry_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._entries, indent=2, sort_keys=True))
        os.chmod(temporary, 0o600)  # it holds master passwords
        os.replace(temporary, self._registry_file)

    def entry(self, instance_id: str) -> dict[str, Any] | None:
        return self._entries.get(instance_id.lower())

    def pick_port(self, engine: str, requested: int | None) -> int:
        """A port no instance has and nothing listens on, reserved at once: Terraform creates instances in
        parallel, and two Postgres creates probing 5432 before either server bound it both got it."""
        with self._lock:
            taken = {entry["port"] for entry in self._entries.values()} | self._reserved_ports
            preferred = requested or DEFAULT_PORTS.get(engine)
            port = free_port(None if preferred in taken else preferred)
            while port in taken:
                port = free_port()
            self._reserved_ports.add(port)
            return port

    # --- lifecycle -----------------------------------------------------------------------------------
    def _engine(self, entry: dict[str, Any]) -> DatabaseEngine:
        engine = self._engines.get(entry["id"])
        if engine is None or engine.port != entry["port"]:
            data_dir = self.root / entry["id"] / "data"
            engine = ENGINE_CLASSES[entry["engine"]](data_dir, entry["port"], self.host)
            self._engines[entry["id"]] = engine
        return engine

    def _in_background(self, entry: dict[str, Any], name: str, work: Callable[[], None]) -> None:
        """Run `work` after any earlier operation on the same instance; a failure marks it `failed`."""
        previous = self._threads.get(entry["id"])

        def run() -> None:
            if previous is not None:
                previous.join()
            try:
                work()
            except EngineNotInstalled as exc:
                self._fail(entry, str(exc))
            except Exception as exc:
                log.exception("%s of RDS instance %s failed", name, entry["id"])
                self._fail(entry, f"{name} of the {entry['engine']} server failed: {exc}")

        thread = threading.Thread(target=run, name=f"rds-{name}-{entry['id']}", daemon=True)
        self._threads[entry["id"]] = thread
        thread.start()

    def _fail(self, entry: dict[str, Any], reason: str) -> None:
        self.failures[entry["id"]] = reason
        log.error("RDS instance %s is failed: %s", entry["id"], reason)
        models.set_status(entry["account_id"], entry["region"], entry["id"], "failed")
        models.set_status_reason(entry["account_id"], entry["region"], entry["id"], reason)

    def _available(self, entry: dict[str, Any]) -> None:
        self.failures.pop(entry["id"], None)
        models.clear_status_reason(entry["account_id"], entry["region"], entry["id"])
        models.set_status(entry["account_id"], entry["region"], entry["id"], "available")

    def create(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries[entry["id"]] = entry
            self._save()
        credentials = Credentials(entry["username"], entry["password"], entry.get("db_name"))

        def provision() -> None:
            for attempt in range(PORT_ATTEMPTS):
                engine = self._engine(entry)
                try:
                    engine.provision(credentials)
                    break
                except EngineStartFailed:
                    engine.stop()
                    if attempt == PORT_ATTEMPTS - 1 or not self._port_taken(entry["port"]):
                        raise
                    self._move_to_another_port(entry)
            self._available(entry)

        self._in_background(entry, "creation", provision)

    def _port_taken(self, port: int) -> bool:
        """Whether another process listens on `port` now (our own server has stopped)."""
        return free_port(port, self.host) != port

    def _move_to_another_port(self, entry: dict[str, Any]) -> None:
        """The port was free when picked, but another process (another local cloud, a Postgres someone
        started) bound it before our server did: a new instance moves to a free port before it is available,
        so the endpoint clients read once it is available is the one it serves on."""
        taken = entry["port"]
        port = self.pick_port(entry["engine"], None)
        log.warning("RDS instance %s: port %s was taken by another process before the server bound it; "
                    "using %s", entry["id"], taken, port)
        with self._lock:
            entry["port"] = port
            self._reserved_ports.discard(taken)
            self._save()
        models.set_port(entry["account_id"], entry["region"], entry["id"], port)

    def start(self, instance_id: str, status: str = "starting") -> None:
        entry = self.entry(instance_id)
        if entry is None:
            return
        with self._lock:
            entry["stopped"] = False
            self._save()
        models.set_status(entry["account_id"], entry["region"], entry["id"], status)
        engine = self._engine(entry)

        def start() -> None:
            if engine.initialised:
                engine.start()
            else:  # created while the engine was missing: provision now that it may be installed
                engine.provision(Credentials(entry["username"], entry["password"], entry.get("db_name")))
            self._available(entry)

        self._in_background(entry, "start", start)

    def stop(self, instance_id: str) -> None:
        """Stop the server now (StopDBInstance answers `stopping`; moto then reports `stopped`)."""
        entry = self.entry(instance_id)
        if entry is None:
            return
        self._wait(entry["id"])
        with self._lock:
            entry["stopped"] = True
            self._save()
        self._engine(entry).stop()

    def reboot(self, instance_id: str) -> None:
        entry = self.entry(instance_id)
        if entry is None:
            return
        models.set_status(entry["account_id"], entry["region"], entry["id"], "rebooting")
        engine = self._engine(entry)

        def reboot() -> None:
            engine.stop()
            engine.start()
            self._available(entry)

        self._in_background(entry, "reboot", reboot)

    def change_password(self, instance_id: str, password: str) -> None:
        """AWS applies a new master password asynchronously, as soon as possible, whatever ApplyImmediately."""
        entry = self.entry(instance_id)
        if entry is None:
            return
        with self._lock:
            entry["password"] = password
            self._save()
        engine = self._engine(entry)
        models.set_status(entry["account_id"], entry["region"], entry["id"], "resetting-master-credentials")

        def reset() -> None:
            if engine.running:
                engine.set_password(entry["username"], password)
            self._available(entry)

        self._in_background(entry, "password change", reset)

    def change_port(self, instance_id: str, port: int) -> None:
        entry = self.entry(instance_id)
        if entry is None:
            return
        engine = self._engine(entry)
        self._wait(entry["id"])
        engine.stop()
        with self._lock:
            entry["port"] = port
            self._save()
        models.set_port(entry["account_id"], entry["region"], entry["id"], port)
        if not entry.get("stopped"):
            self.start(entry["id"], status="modifying")

    def delete(self, instance_id: str) -> None:
        entry = self.entry(instance_id)
        if entry is None:
            return
        self._wait(entry["id"])
        engine = self._engines.pop(entry["id"], None)
        if engine is not None:
            engine.stop()
        with self._lock:
            self._entries.pop(entry["id"], None)
            self._save()
        shutil.rmtree(self.root / entry["id"], ignore_errors=True)
        if engine is not None:
            shutil.rmtree(engine.run_dir, ignore_errors=True)

    def _wait(self, instance_id: str, timeout: float = 60.0) -> None:
        thread = self._threads.get(instance_id)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # --- the local cloud's own start and stop ------------------------------------------------------------
    def restore(self) -> None:
        """Bring back every registered instance: moto's record first, then its server unless it was stopped."""
        with self._lock:
            if self._stopping:  # stopped before its turn in the start thread: nothing to bring back
                self.restored.set()
                return
            self._restore_began = True
        threading.Thread(target=self.prewarm, name="rds-templates", daemon=True).start()
        try:
            models.prepare(set(ENGINE_CLASSES))
            self._wait_restored()  # moto's persisted records first, so we adjust those rather than duplicates
            with self._lock:
                self.load()
        finally:
            self.restored.set()  # shutdown waits on it: a failed restore must not make every stop hang
        for entry in list(self._entries.values()):
            if models.find(entry["account_id"], entry["region"], entry["id"]) is None:
                log.info("re-creating RDS instance %s in moto from the local registry", entry["id"])
                models.recreate(entry)
            if entry.get("stopped"):
                models.set_status(entry["account_id"], entry["region"], entry["id"], "stopped")
            else:
                self.start(entry["id"])

    def prewarm(self) -> None:
        """Build each installed engine's template data directory once per machine, before anyone asks, so
        the first CreateDBInstance does not pay initdb (~1 s) or mariadb-install-db (~3 s)."""
        for engine_class in (PostgresEngine, MySqlEngine):  # Postgres first: its goal (3 s) is tighter
            try:
                engine_class(self.root / ".prewarm" / engine_class.kind, 0).template(engine_class.locate())
            except EngineNotInstalled:
                continue  # reported when an instance of that engine is created
            except Exception:
                log.exception("preparing the %s template failed; instances will retry", engine_class.kind)

    def shutdown(self) -> None:
        with self._lock:
            self._stopping = True
            began = self._restore_began
        if began:
            self.restored.wait(30)  # a restore still starting servers would leave them running
        for instance_id in list(self._threads):
            self._wait(instance_id, timeout=30)
        for engine in list(self._engines.values()):
            try:
                engine.stop()
            except Exception:
                log.exception("stopping %s on port %s failed", engine.kind, engine.port)

    def health(self) -> dict[str, object]:
        return {"rds": {instance_id: {"engine": entry["engine"], "port": entry["port"],
                                      "running": self._engines[instance_id].running
                                      if instance_id in self._engines else False,
                                      **({"failure": self.failures[instance_id]}
                                         if instance_id in self.failures else {})}
                        for instance_id, entry in self._entries.items()}}
