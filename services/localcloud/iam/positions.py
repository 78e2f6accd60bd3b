"""Where each statement of a policy document sits in its text, for iam:SimulatePrincipalPolicy's
MatchedStatements (IAM API Reference, "Statement" and "Position": "The row and column of the beginning /
end of a Statement in an IAM policy"). Python's json module keeps no positions, so this walks the text.
"""

from __future__ import annotations

from urllib.parse import unquote

Span = tuple[tuple[int, int], tuple[int, int]]
_WHITESPACE = " \t\r\n"


class _Walker:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def skip_space(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in _WHITESPACE:
            self.at += 1

    def string(self) -> str:
        start = self.at + 1
        self.at = start
        while self.text[self.at] != '"':
            self.at += 2 if self.text[self.at] == "\\" else 1
        self.at += 1
        return self.text[start:self.at - 1]

    def value(self) -> tuple[int, int]:
        """Skip one JSON value; (start, end) offsets, end exclusive."""
        self.skip_space()
        start = self.at
        char = self.text[self.at]
        if char == '"':
            self.string()
        elif char in "{[":
            closing = "}" if char == "{" else "]"
            self.at += 1
            self.skip_space()
            while self.text[self.at] != closing:
                if char == "{":
                    self.skip_space()
                    self.string()
                    self.skip_space()
                    self.at += 1  # the colon
                self.value()
                self.skip_space()
                if self.text[self.at] == ",":
                    self.at += 1
                    self.skip_space()
            self.at += 1
        else:
            while self.at < len(self.text) and self.text[self.at] not in ",}] \t\r\n":
                self.at += 1
        return start, self.at

    def statement_spans(self) -> list[tuple[int, int]]:
        self.skip_space()
        if self.text[self.at] != "{":
            return []
        self.at += 1
        while True:
            self.skip_space()
            if self.text[self.at] == "}":
                return []
            key = self.string()
            self.skip_space()
            self.at += 1
            if key != "Statement":
                self.value()
            else:
                self.skip_space()
                if self.text[self.at] != "[":
                    return [self.value()]
                self.at += 1
                spans = []
                while True:
                    self.skip_space()
                    if self.text[self.at] == "]":
                        return spans
                    spans.append(self.value())
                    self.skip_space()
                    if self.text[self.at] == ",":
                        self.at += 1
            self.skip_space()
            if self.text[self.at] == ",":
                self.at += 1


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def statement_spans(text: str) -> list[Span]:
    """((line, column) just after the statement's opening brace, (line, column) just after its closing brace),
    1-based, per statement; [] when the text cannot be walked (the caller then reports no positions). That is
    what IAM answers: for '{"Version": "2012-10-17", "Statement": {"Sid": "", ...}}' (113 characters, the
    statement's braces at columns 40 and 112) it reports StartPosition column 41, EndPosition column 113
    (SimulatePrincipalPolicy recorded against AWS in LocalStack's parity snapshots, test_iam.snapshot.json)."""
    if text.lstrip().startswith(("%7B", "%7b")):
        text = unquote(text.strip())
    try:
        offsets = _Walker(text).statement_spans()
    except IndexError:
        return []
    return [(_line_column(text, start + 1), _line_column(text, end)) for start, end in offsets]
