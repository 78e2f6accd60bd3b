"""A Host header that carries the endpoint URL's scheme is read as the name after it (AWS's front end
answers such requests; some clients put the whole endpoint URL in Host), and the allow-list still decides."""

from __future__ import annotations

import pytest
from localcloud.server.guard import host_name


@pytest.mark.parametrize("header, name", [
    ("https://123456789012.control-kinesis.us-east-1.amazonaws.com", "123456789012.control-kinesis.us-east-1.amazonaws.com"),
    ("http://127.0.0.1:4566", "127.0.0.1"),
    ("HTTPS://Evil.Example/path", "evil.example"),
    ("127.0.0.1:4566", "127.0.0.1"),
    ("[::1]:4566", "::1"),
])
def test_the_name_is_read_after_a_scheme(header, name):
    assert host_name(header) == name
