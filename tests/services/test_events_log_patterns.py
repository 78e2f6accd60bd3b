"""Filter pattern syntax as CloudWatch Logs documents it (no server: the matcher is a plain function).

https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
"""

from __future__ import annotations

import pytest
from localcloud.events.log_patterns import compile as pattern
from localcloud.events.log_patterns import metric_value


@pytest.mark.parametrize("text, line, matches", [
    ("ERROR", "2024 [ERROR] disk full", True),
    ("ERROR", "2024 [error] disk full", False),  # terms are case-sensitive
    ("ERROR disk", "ERROR: the disk", True),  # every term must occur
    ("ERROR disk", "ERROR: the network", False),
    ('"disk full"', "the disk full again", True),
    ('"disk full"', "the disk is full", False),
    ("?ERROR ?WARN", "WARN slow", True),
    ("?ERROR ?WARN", "INFO fine", False),
    ("ERROR -retry", "ERROR retry scheduled", False),
    ("", "anything", True),
])
def test_term_patterns(text, line, matches):
    assert (pattern(text).match(line) is not None) is matches


@pytest.mark.parametrize("text, line, matches", [
    ('{ $.level = "ERROR" }', '{"level": "ERROR"}', True),
    ('{ $.level = "ERROR" }', '{"level": "INFO"}', False),
    ('{ $.level = "ERROR" }', "ERROR not json", False),
    ('{ $.level != "INFO" }', '{"level": "WARN"}', True),
    ('{ $.latency > 100 && $.path = "/api/*" }', '{"latency": 150, "path": "/api/x"}', True),
    ('{ $.latency > 100 && $.path = "/api/*" }', '{"latency": 50, "path": "/api/x"}', False),
    ('{ ($.code >= 500) || ($.retry IS TRUE) }', '{"code": 200, "retry": true}', True),
    ('{ $.user.id = 7 }', '{"user": {"id": 7}}', True),
    ('{ $.items[0].sku = "A*" }', '{"items": [{"sku": "ABC"}]}', True),
    ('{ $.missing NOT EXISTS }', '{"other": 1}', True),
])
def test_json_patterns(text, line, matches):
    assert (pattern(text).match(line) is not None) is matches


def test_space_delimited_pattern_binds_fields_for_the_metric_value():
    access = pattern("[ip, user, timestamp, request, status_code = 5*, bytes > 1000]")
    fields = access.match('10.0.0.1 bob [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 503 2048')
    assert fields is not None and metric_value("$bytes", fields) == 2048
    assert access.match('10.0.0.1 bob [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 2048') is None
    assert pattern("[..., status = 404]").match("a b c 404") is not None


def test_metric_value_from_a_json_field_and_constants():
    fields = pattern("{ $.latency > 0 }").match('{"latency": 12.5}')
    assert metric_value("$.latency", fields) == 12.5
    assert metric_value("1", {}) == 1.0
    assert metric_value("$.absent", fields) is None
