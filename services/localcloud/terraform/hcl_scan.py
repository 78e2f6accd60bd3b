"""Just enough reading of .tf files to find top-level blocks (provider aliases, terraform and module blocks).

A full HCL parser would be one more dependency for two questions: which `provider "aws"` aliases exist
(each needs its own override block) and whether the blocks that `terraform init` depends on changed.
Brace matching that skips strings, heredocs and comments answers both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADER = re.compile(r'^([A-Za-z_][\w-]*)((?:\s+"[^"]*"|\s+[A-Za-z_][\w-]*)*)\s*\{', re.MULTILINE)
_HEREDOC = re.compile(r"<<-?([A-Za-z_]\w*)\n")


@dataclass(frozen=True)
class Block:
    kind: str  # "provider", "terraform", "module", "resource", ...
    labels: tuple[str, ...]
    body: str  # the text between the braces

    def attribute(self, name: str) -> str | None:
        """A literal string attribute at the top of the block body (`alias = "west"`)."""
        match = re.search(rf'^\s*{name}\s*=\s*"([^"]*)"', _strip_nested(self.body), re.MULTILINE)
        return match.group(1) if match else None


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at text[i] == '"'."""
    i += 1
    depth = 0  # ${ ... } interpolations may contain quotes
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if c == "}" and depth:
            depth -= 1
        elif c == '"' and not depth:
            return i + 1
        i += 1
    return i


def _block_end(text: str, open_brace: int) -> int:
    """Index of the brace that closes the one at `open_brace`."""
    depth = 0
    i = open_brace
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _skip_string(text, i)
            continue
        if c == "#" or text.startswith("//", i):
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if text.startswith("/*", i):
            i = text.find("*/", i)
            i = len(text) if i < 0 else i + 2
            continue
        heredoc = _HEREDOC.match(text, i)
        if heredoc:
            end = re.compile(rf"^\s*{heredoc.group(1)}\s*$", re.MULTILINE).search(text, heredoc.end())
            i = end.end() if end else len(text)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced braces")


def _strip_nested(body: str) -> str:
    """The body with nested blocks removed, so `alias` inside a nested block is not mistaken for ours."""
    out, i = [], 0
    for match in re.finditer(r"\{", body):
        if match.start() < i:
            continue
        out.append(body[i:match.start()])
        i = _block_end(body, match.start()) + 1
    out.append(body[i:])
    return "".join(out)


def blocks(text: str) -> list[Block]:
    found: list[Block] = []
    position = 0
    while True:
        match = _HEADER.search(text, position)
        if not match:
            return found
        end = _block_end(text, match.end() - 1)
        labels = tuple(label.strip().strip('"') for label in re.findall(r'"[^"]*"|[\w-]+', match.group(2)))
        found.append(Block(match.group(1), labels, text[match.end():end]))
        position = end + 1


def directory_blocks(directory: Path) -> list[Block]:
    """Top-level blocks of every .tf file in `directory`, in file-name order (Terraform's own order)."""
    found: list[Block] = []
    for path in sorted(directory.glob("*.tf")):
        found.extend(blocks(path.read_text()))
    return found
