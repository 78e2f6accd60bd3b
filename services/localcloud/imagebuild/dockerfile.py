"""Dockerfile text -> instructions, with Docker's line rules and variable substitution
(Dockerfile reference: "Format", "Parser directives" (not supported), "Environment replacement").

Only the parsing is here; which instructions the builder evaluates is builder.py's business.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:[-+])?(?P<word>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


class DockerfileError(ValueError):
    """A Dockerfile the builder cannot evaluate; the message names the line."""


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, COPY, RUN, ...
    arguments: str  # the raw text after the keyword, continuation lines joined
    line: int  # 1-based line of the keyword in the Dockerfile
    flags: dict[str, str] = field(default_factory=dict)  # --chown=..., --from=..., --platform=...

    def where(self) -> str:
        return f"line {self.line} ({self.keyword} {self.arguments[:60]})"

    def json_form(self) -> list[str] | None:
        """The exec (JSON array) form's list, or None for the shell form."""
        text = self.arguments.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None  # Docker treats an invalid JSON array as the shell form
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def parse(text: str) -> list[Instruction]:
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continuation are dropped
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending.append(raw.rstrip()[:-1])
            continue
        pending.append(raw)
        instructions.append(_instruction(" ".join(part.strip() for part in pending), start))
        pending = []
    if pending:
        instructions.append(_instruction(" ".join(part.strip() for part in pending), start))
    return instructions


def _instruction(text: str, line: int) -> Instruction:
    keyword, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    flags: dict[str, str] = {}
    while rest.startswith("--"):
        flag, _, remaining = rest.partition(" ")
        name, _, value = flag[2:].partition("=")
        flags[name.lower()] = value
        rest = remaining.strip()
    return Instruction(keyword.upper(), rest, line, flags)


def substitute(text: str, variables: dict[str, str]) -> str:
    """$VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternative}, as Docker replaces them; `\\$` stays a `$`."""
    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["plain"]
        value = variables.get(name)
        if match["op"] == ":-":
            return value if value else match["word"]
        if match["op"] == ":+":
            return match["word"] if value else ""
        return value or ""

    parts = text.split("\\$")
    return "$".join(VARIABLE.sub(replace, part) for part in parts)


def key_values(arguments: str, instruction: Instruction) -> list[tuple[str, str]]:
    """ENV / LABEL / ARG arguments: `k=v k2="v 2"`, or ENV's legacy `k v w` (one pair)."""
    try:
        words = shlex.split(arguments, posix=True)
    except ValueError as exc:
        raise DockerfileError(f"{instruction.where()}: cannot split the arguments ({exc})") from None
    if not words:
        raise DockerfileError(f"{instruction.where()}: needs arguments")
    if "=" not in words[0]:
        if instruction.keyword == "ARG":
            return [(words[0], "")]
        return [(words[0], " ".join(words[1:]))]
    pairs = []
    for word in words:
        key, equals, value = word.partition("=")
        if not equals:
            raise DockerfileError(f"{instruction.where()}: {word!r} is not key=value")
        pairs.append((key, value))
    return pairs
