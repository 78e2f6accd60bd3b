"""Private state: the state directory is 0700 and what the server writes 0600; a directory another user owns
or can write into is refused at `localcloud start` (its snapshots are unpickled when loaded); secrets never
reach localcloud.log."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid

import pytest
from localcloud.testing import free_port


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _start(state_dir) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "localcloud.cli", "start", "--detach", "--port", str(free_port()),
                           "--state-dir", str(state_dir)], capture_output=True, text=True, timeout=90)
    done.stderr = " ".join(done.stderr.split())  # the console wraps long lines
    return done


def test_state_is_private_and_secrets_stay_out_of_the_log(fresh_cloud):
    fresh_cloud.start()
    secret_value = f"hunter2-{uuid.uuid4().hex}"
    secrets = fresh_cloud.client("secretsmanager")
    secrets.create_secret(Name="db-password", SecretString=secret_value)
    assert secrets.get_secret_value(SecretId="db-password")["SecretString"] == secret_value
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):  # a failing call that carries the value
        secrets.put_secret_value(SecretId="no-such-secret", SecretString=secret_value)
    state = fresh_cloud.settings.state_dir
    fresh_cloud.stop()  # the final save, and every log line written
    # The committed snapshot (docs/state.md); the journal, which also holds the value, is checked below.
    snapshot = next(state.glob("moto/snap-*/secretsmanager.pickle"))

    assert _mode(state) == 0o700
    for folder, _, files in os.walk(state):
        for name in files:
            path = os.path.join(folder, name)
            if "/lambda/" not in path:  # unpacked code keeps its zip's modes, under the private directory
                assert _mode(path) & 0o077 == 0, f"{path} is {_mode(path):04o}"
    assert _mode(snapshot) == 0o600
    log = fresh_cloud.settings.log_file.read_text(errors="replace")
    assert secret_value not in log


def test_world_writable_state_dir_is_refused(tmp_path):
    state = tmp_path / "shared"
    state.mkdir()
    state.chmod(0o777)
    refused = _start(state)
    assert refused.returncode == 1
    assert "writable by other users" in refused.stderr and "chmod 700" in refused.stderr
    assert not (state / "localcloud.pid").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make a directory owned by another user")
def test_state_dir_of_another_user_is_refused(tmp_path):
    state = tmp_path / "theirs"
    state.mkdir(mode=0o700)
    os.chown(state, 65534, 65534)  # nobody
    refused = _start(state)
    assert refused.returncode == 1
    assert "belongs to user id 65534" in refused.stderr


def test_state_dir_readable_by_others_is_made_private(fresh_cloud):
    state = fresh_cloud.settings.state_dir
    state.mkdir(mode=0o755)
    state.chmod(0o755)  # what earlier versions left
    fresh_cloud.start()
    assert _mode(state) == 0o700
