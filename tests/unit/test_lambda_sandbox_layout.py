"""The layout the server hands to the namespace builder survives the trip; mountinfo paths are read right."""

from __future__ import annotations

import pytest
from localcloud.runtime import sandbox, sandbox_enter


def test_layout_round_trips_lists_and_values_with_equals_signs():
    layout = {"mode": "root", "task": "/state/code/a=b", "layers": ["/l1", "/l2"], "tmp_mb": 512,
              "argv": ["/var/lang/bin/python3.12", "-I", "-S", "-u", "/var/rapid/bootstrap.py", "handler.handler"]}
    decoded = sandbox_enter.decode_layout(sandbox.encode_layout(layout))
    assert decoded == {**layout, "tmp_mb": "512"}


def test_no_layers_is_an_empty_list():
    assert sandbox_enter.decode_layout(sandbox.encode_layout({"mode": "root", "layers": []}))["layers"] == []


def test_a_path_with_a_line_break_is_refused():
    with pytest.raises(sandbox.SandboxUnavailable, match="line break"):
        sandbox.encode_layout({"task": "/state/odd\nname"})


def test_mountinfo_escapes_are_undone():
    assert sandbox_enter._unescape(r"/newroot/var/my\040dir\134x") == "/newroot/var/my dir\\x"


def test_aws_import_path_order():
    assert sandbox.sys_path("3.12") == ["/var/task", "/opt/python/lib/python3.12/site-packages", "/opt/python",
                                        "/var/runtime"]
