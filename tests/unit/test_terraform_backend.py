"""Where a stack's state lives, the backend override, outputs URL rewriting and the init fingerprint reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from localcloud.terraform.backend import StackPaths, render_backend_override, write_backend_override
from localcloud.terraform.hcl_scan import blocks
from localcloud.terraform.outputs import plain_outputs


def test_state_under_the_state_dir_per_stack_and_target(tmp_path: Path) -> None:
    local = StackPaths.for_stack(tmp_path, "pipelines")
    assert local.state_file == tmp_path.resolve() / "terraform" / "pipelines" / "terraform.tfstate"
    assert local.data_dir.parent == local.root
    assert StackPaths.for_stack(tmp_path, "pipelines", "aws").root != local.root


def test_stack_names_that_cannot_be_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot name a folder"):
        StackPaths.for_stack(tmp_path, "../escape")


def test_backend_override_is_a_local_backend_at_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / 'odd "dir"' / "terraform.tfstate"
    path = write_backend_override(tmp_path, state)
    assert path.name == "localcloud_backend_override.tf"
    (terraform,) = blocks(path.read_text())
    assert terraform.kind == "terraform"
    (backend,) = blocks(terraform.body.strip())
    assert backend.labels == ("local",)
    assert '\\"dir\\"' in render_backend_override(state)
    assert state.parent.is_dir()


def test_execute_api_urls_are_rewritten_to_the_endpoint() -> None:
    raw = {"api": {"value": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1", "type": "string"},
           "deep": {"value": {"urls": ["https://x9.execute-api.us-east-1.amazonaws.com/prod/items?a=1"]}},
           "other": {"value": "https://example.com/v1"}, "n": {"value": 3}}
    assert plain_outputs(raw, "http://127.0.0.1:4599") == {
        "api": "http://127.0.0.1:4599/restapis/abc123/v1/_user_request_",
        "deep": {"urls": ["http://127.0.0.1:4599/restapis/x9/prod/_user_request_/items?a=1"]},
        "other": "https://example.com/v1", "n": 3}
    assert plain_outputs(raw, None)["api"] == "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"


def test_block_scanner_skips_strings_heredocs_and_comments() -> None:
    text = ('# provider "aws" { alias = "commented" }\n'
            'locals {\n  s = "a } brace ${var.x}"\n  h = <<EOT\n}\nEOT\n}\n'
            'provider "aws" {\n  alias = "real"\n}\n')
    found = blocks(text)
    assert [(b.kind, b.labels) for b in found] == [("locals", ()), ("provider", ("aws",))]
    assert found[1].attribute("alias") == "real"
