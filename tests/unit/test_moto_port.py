"""moto modules that call "their own server" (localhost:$MOTO_PORT, default 5000) reach this process."""

from __future__ import annotations

from localcloud import moto_patches
from localcloud.moto_patches import registry


def test_moto_settings_name_this_server(monkeypatch):
    monkeypatch.setenv("MOTO_PORT", "5000")  # what moto assumes: another process may listen there
    monkeypatch.setenv("TEST_SERVER_MODE_ENDPOINT", "http://localhost:5000")
    moto_patches.configure("0.0.0.0", 4610)
    from moto import settings

    assert settings.moto_server_port() == "4610"
    assert settings.test_server_mode_endpoint() == "http://127.0.0.1:4610"
    assert moto_patches.endpoint() == "http://127.0.0.1:4610"  # 0.0.0.0 is not an address to call


def test_moto_own_step_functions_client_would_call_this_port(monkeypatch):
    """moto's boto_client_for (replaced by moto_patches/stepfunctions.py, which caches and names this
    server's host too) builds its endpoint from MOTO_PORT: even unpatched, it reaches this server."""
    monkeypatch.setenv("MOTO_PORT", "5000")
    moto_patches.configure("127.0.0.1", 4610)
    patch = next(p for p in moto_patches.all_patches() if p.target.endswith("asl.utils.boto_client:"))
    moto_own = registry.original_of(patch)
    client = moto_own("us-east-1", "sqs")
    assert client.meta.endpoint_url == "http://localhost:4610"
