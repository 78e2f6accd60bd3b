"""The CLI config for the Terraform subprocess: providers from the mirror, or the registry with a cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from localcloud.terraform.cli_config import PLUGIN_MIRROR_ENV, plugin_mirror_from_env, write_cli_config
from localcloud.terraform.command import TerraformError


def test_mirror_only_when_a_mirror_is_given(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    text = write_cli_config(tmp_path / "rc", tmp_path / "cache", mirror).read_text()
    assert f'filesystem_mirror {{\n    path = "{mirror}"' in text
    assert "direct" not in text
    # A cache would copy the ~700 MB provider out of an unpacked mirror instead of linking it.
    assert "plugin_cache_dir" not in text
    assert "disable_checkpoint = true" in text


def test_registry_with_a_shared_cache_without_a_mirror(tmp_path: Path) -> None:
    text = write_cli_config(tmp_path / "rc", tmp_path / "cache", None).read_text()
    assert "direct {}" in text and "filesystem_mirror" not in text
    assert f'plugin_cache_dir = "{tmp_path / "cache"}"' in text
    assert (tmp_path / "cache").is_dir()


def test_unchanged_config_is_not_rewritten(tmp_path: Path) -> None:
    path = write_cli_config(tmp_path / "rc", tmp_path / "cache", None)
    before = path.stat().st_mtime_ns
    write_cli_config(tmp_path / "rc", tmp_path / "cache", None)
    assert path.stat().st_mtime_ns == before


def test_mirror_comes_from_the_environment(tmp_path: Path) -> None:
    assert plugin_mirror_from_env({PLUGIN_MIRROR_ENV: "registry"}) is None
    assert plugin_mirror_from_env({PLUGIN_MIRROR_ENV: str(tmp_path)}) == tmp_path.resolve()
    with pytest.raises(TerraformError, match="is not a directory"):
        plugin_mirror_from_env({PLUGIN_MIRROR_ENV: str(tmp_path / "missing")})


def test_a_mirror_on_the_machine_is_found_when_none_is_named(tmp_path) -> None:
    from localcloud.terraform.cli_config import discover_mirror

    provider = tmp_path / "opt" / "tf" / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0" / "linux_amd64"
    provider.mkdir(parents=True)
    (provider / "terraform-provider-aws_v5.100.0_x5").write_bytes(b"")
    working_dir = tmp_path / "work" / ".terraform" / "providers" / "registry.terraform.io" / "hashicorp" / "aws"
    (working_dir / "5.0.0" / "linux_amd64").mkdir(parents=True)
    (working_dir / "5.0.0" / "linux_amd64" / "terraform-provider-aws").write_bytes(b"")
    assert discover_mirror((str(tmp_path / "work"), str(tmp_path / "opt"))) == tmp_path / "opt" / "tf"
    assert discover_mirror((str(tmp_path / "nothing-here"),)) is None
    assert plugin_mirror_from_env({"LOCALCLOUD_TF_PLUGIN_MIRROR": "registry"}) is None
