"""A moto patch that no longer fits fails the start of a real server, naming the patch (no log-and-skip)."""

from __future__ import annotations

import os
import subprocess
import sys

from localcloud.testing import free_port


def test_a_patch_that_no_longer_fits_fails_the_start_naming_it(tmp_path):
    # Stands in for a moto upgrade that renamed a method we patch: sitecustomize runs before localcloud.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import moto.kinesis.models as m\ndel m.Shard.get_min_sequence_number\n")
    state = tmp_path / "state"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "localcloud.server.main", "--port", str(free_port()),
                             "--state-dir", str(state)], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "patch kinesis.get_min_sequence_number on moto.kinesis.models.Shard.get_min_sequence_number: " \
           "moto no longer has this attribute" in result.stderr
    assert "What to do:" in result.stderr
    assert not list((state / "moto").glob("*")), "a snapshot was written by a moto that was never patched"
