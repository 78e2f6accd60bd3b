"""Glue database and table names, validated as AWS validates them.

AWS Glue: "a UTF-8 string ... not less than 1 or more than 255 bytes long ... defined by the single-line
string pattern" (https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html; the
pattern is botocore's NameString/SingleLine shape). Athena recommends lower case, digits and `_` only,
but Glue itself accepts hyphens, spaces, even "/" - so the Athena mirror (engines/athena/mirror.py) never
uses a name as a path without escaping it. moto checks none of this; AWS answers a violation with a
ValidationException in its usual "1 validation error detected" form.
"""

from __future__ import annotations

import re

from localcloud.aws.registry import handles
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

SINGLE_LINE = re.compile("[\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff\t]*")
PATTERN_TEXT = r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*"


def problems(value: object, where: str) -> list[str]:
    if not isinstance(value, str):
        return []  # botocore's own validation (required, type) answers this before it is sent
    shown = value if len(value) <= 300 else value[:300] + "..."
    found = []
    if len(value.encode("utf-8")) > 255:
        found.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: Member must have length less "
                     "than or equal to 255")
    if len(value) < 1:
        found.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: Member must have length greater "
                     "than or equal to 1")
    if not SINGLE_LINE.fullmatch(value):
        found.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: Member must satisfy regular "
                     f"expression pattern: {PATTERN_TEXT}")
    return found


def _checked(request: AwsRequest, fields: list[tuple[object, str]]):
    found = [problem for value, where in fields for problem in problems(value, where)]
    if not found:
        return None  # valid: moto answers
    count = f"{len(found)} validation error{'s' if len(found) > 1 else ''} detected: "
    return aws_error("glue", 400, "ValidationException", count + "; ".join(found))


@handles("glue", "CreateDatabase", "UpdateDatabase")
def database_name(request: AwsRequest):
    body = request.json()
    return _checked(request, [((body.get("DatabaseInput") or {}).get("Name"), "databaseInput.name")])


@handles("glue", "CreateTable", "UpdateTable")
def table_name(request: AwsRequest):
    body = request.json()
    return _checked(request, [(body.get("DatabaseName"), "databaseName"),
                              ((body.get("TableInput") or {}).get("Name"), "tableInput.name")])
