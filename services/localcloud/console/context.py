"""What every console page reads from: the server's settings, boto3 clients to the endpoint itself, the stacks.

Reads go through boto3 against the endpoint over loopback (the same answers any SDK gets) unless an
in-process model is the only way to see something without changing it (an SQS peek, the delivery trace).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from localcloud.config import Settings
from localcloud.terraform.outputs import rewrite_urls

_CLIENT_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60,
                        inject_host_prefix=False, max_pool_connections=20)


@dataclass
class ConsoleContext:
    settings: Settings
    _clients: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return self.settings.endpoint.replace("0.0.0.0", "127.0.0.1")  # a wildcard bind still answers loopback

    def client(self, service: str) -> Any:
        """A cached boto3 client (clients are thread-safe); creating one costs ~30 ms, a page must not."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = boto3.session.Session().client(
                    service, endpoint_url=self.endpoint, region_name=self.region, aws_access_key_id="test",
                    aws_secret_access_key="test", config=_CLIENT_CONFIG)
            return self._clients[service]

    @property
    def region(self) -> str:
        return self.stack_region() or self.settings.region

    # -- stacks the runner applied ----------------------------------------------------------------------
    def stacks(self) -> list[dict[str, Any]]:
        """Each stack's Terraform state under <state-dir>/terraform/<stack>/terraform.tfstate (read, never run)."""
        found = []
        root = Path(self.settings.state_dir) / "terraform"
        for state_file in sorted(root.glob("*/terraform.tfstate")) if root.is_dir() else []:
            state = _read_state(state_file)
            if state is None:
                continue
            # As `localcloud terraform outputs` prints them: execute-api URLs become the local endpoint's.
            outputs = {name: ("(sensitive)" if entry.get("sensitive") else rewrite_urls(entry.get("value"), self.endpoint))
                       for name, entry in state.get("outputs", {}).items()}
            resources = state.get("resources", [])
            found.append({"name": state_file.parent.name, "state_file": str(state_file),
                          "serial": state.get("serial"), "terraform_version": state.get("terraform_version"),
                          "resources": sum(len(r.get("instances", [])) for r in resources if r.get("mode") == "managed"),
                          "outputs": outputs})
        return found

    def outputs(self) -> dict[str, Any]:
        """Every applied stack's outputs merged (the pipelines stack in practice)."""
        merged: dict[str, Any] = {}
        for stack in self.stacks():
            merged.update(stack["outputs"])
        return merged

    def stack_region(self) -> str | None:
        region = self.outputs().get("region")
        return region if isinstance(region, str) and region else None


_parsed: dict[Path, tuple[float, dict[str, Any]]] = {}


def _read_state(path: Path) -> dict[str, Any] | None:
    """A state file parsed once per change (the pipelines' state is ~1 MB; pages read outputs often)."""
    try:
        mtime = path.stat().st_mtime
        cached = _parsed.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    _parsed[path] = (mtime, state)
    return state
