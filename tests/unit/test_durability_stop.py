"""`localcloud stop` waits, bounded, and never SIGKILLs a server that is writing its snapshot (issue 13).

The server is a stand-in process here: what `stop` relies on is only the pid file, SIGTERM and the
snapshot marker (moto/SAVING naming the writer's pid), and a real final save cannot be made slow on cue.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from localcloud import process
from localcloud.config import Settings

# Ignores SIGTERM (a server busy saving), writes the marker a real saver writes, holds it `save` seconds,
# then takes a moment to exit, as a server stopping its database engines does.
STAND_IN = """import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: None)
marker = sys.argv[1]
save = float(sys.argv[2])
if save:
    os.makedirs(os.path.dirname(marker), exist_ok=True)
    open(marker, "w").write(str(os.getpid()))
print("ready", flush=True)
time.sleep(save if save else 60)
os.unlink(marker)
time.sleep(0.5)  # after its save a server still stops its engines before it exits
"""


def _stand_in(settings: Settings, save_seconds: float) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", STAND_IN, str(settings.state_dir / "moto" / "SAVING"),
                              str(save_seconds)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    settings.pid_file.parent.mkdir(parents=True, exist_ok=True)
    settings.pid_file.write_text(str(child.pid))
    return child


def test_stop_waits_past_its_bound_for_a_snapshot_being_written(tmp_path):
    settings = Settings.from_env(state_dir=tmp_path, port=1)
    server = _stand_in(settings, save_seconds=2.0)
    said = []
    started = time.monotonic()
    assert process.stop(settings, wait_seconds=0.3, report=said.append) == server.pid
    assert server.wait(timeout=10) == 0  # it finished its save and exited by itself: never SIGKILLed
    assert time.monotonic() - started >= 1.5
    assert said and "still writing its state" in said[0]


def test_stop_kills_a_server_that_ignores_it_past_the_bound_when_no_save_runs(tmp_path):
    settings = Settings.from_env(state_dir=tmp_path, port=1)
    server = _stand_in(settings, save_seconds=0)
    said = []
    started = time.monotonic()
    process.stop(settings, wait_seconds=0.5, report=said.append)
    assert server.wait(timeout=10) == -signal.SIGKILL
    assert time.monotonic() - started < 10  # bounded
    assert said and "journal keeps every acknowledged write" in said[-1]
