"""Finding the Terraform binary and running it with live progress lines."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console


class TerraformError(Exception):
    """A failure a person can act on: the message says what happened, what it affects, what to do."""


def find_terraform(environ: Mapping[str, str] | None = None) -> str:
    """`terraform` from PATH, else OpenTofu's `tofu` (same CLI, same state format)."""
    path = (environ if environ is not None else os.environ).get("PATH")
    for name in ("terraform", "tofu"):
        found = shutil.which(name, path=path)
        if found:
            return found
    raise TerraformError(
        "Neither `terraform` nor `tofu` is on PATH, so the infrastructure cannot be applied. Install one: "
        "https://developer.hashicorp.com/terraform/install (or `brew install terraform`), or OpenTofu from "
        "https://opentofu.org/docs/intro/install/, then run this command again.")


@dataclass
class Finished:
    code: int
    output: str
    seconds: float

    def errors(self) -> str:
        """The Error: sections Terraform printed (what a person needs), else the tail of the output."""
        lines = self.output.splitlines()
        start = next((i for i, line in enumerate(lines) if line.lstrip("│ ").startswith("Error:")), None)
        chosen = lines[start:] if start is not None else lines[-40:]
        return "\n".join(chosen[:200])


_STARTED = re.compile(r"^(?P<address>\S+): (?:Creating|Modifying|Destroying|Reading|Refreshing state)")
_DONE = re.compile(r"^(?P<address>\S+): (?:Creation|Modifications|Destruction|Read) complete after (?P<took>\S+)")
_SLOW_SECONDS = 5


def shown_command(command: Sequence[str]) -> list[str]:
    """The command as the log shows it: -var values may be passwords, so only their names."""
    return [re.sub(r"^(-var=[^=]+=).*$", r"\1(value not logged)", part, flags=re.DOTALL) for part in command]


def run(command: Sequence[str], cwd: Path, env: Mapping[str, str], log_file: Path, label: str,
        console: Console, timeout: float = 1800) -> Finished:
    """Run one Terraform command, stream its output to `log_file`, and keep one progress line on screen
    (how many resources are done, which are in flight); resources that took long get their own line."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    captured: list[str] = []
    in_flight: dict[str, float] = {}
    done = 0
    descriptor = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", buffering=1) as log:  # line-buffered: `tail -f` shows progress
        log.write(f"\n$ {' '.join(shown_command(command))}  (in {cwd}, {time.strftime('%Y-%m-%d %H:%M:%S')})\n")
        proc = subprocess.Popen(list(command), cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, bufsize=1)
        with console.status(f"{label}...") as status:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                line = line.rstrip("\n")
                captured.append(line)
                if match := _STARTED.match(line):
                    in_flight[match["address"]] = time.monotonic()
                elif match := _DONE.match(line):
                    done += 1
                    began = in_flight.pop(match["address"], None)
                    if began is not None and time.monotonic() - began >= _SLOW_SECONDS:
                        console.print(f"  [dim]{line}[/dim]")
                else:
                    continue
                waiting = ", ".join(list(in_flight)[:3]) + (" ..." if len(in_flight) > 3 else "")
                elapsed = time.monotonic() - started
                status.update(f"{label}: {done} done{'; ' + waiting if waiting else ''} ({elapsed:.0f} s)")
                if elapsed > timeout:
                    proc.kill()
                    raise TerraformError(f"{label} did not finish within {timeout:.0f} s and was stopped. "
                                         f"Resources in flight: {waiting}. The full output is in {log_file}.")
        code = proc.wait(timeout=max(1.0, timeout - (time.monotonic() - started)))
        log.write(f"# exit {code} after {time.monotonic() - started:.1f} s\n")
    return Finished(code, "\n".join(captured), time.monotonic() - started)
