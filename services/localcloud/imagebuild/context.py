"""The build context: which files COPY/ADD sources name, minus .dockerignore's (and Python caches, which
must not change an image's digest), and never a file outside the context."""

from __future__ import annotations

import fnmatch
from pathlib import Path

SKIPPED_ALWAYS = ("__pycache__", "*.pyc")  # as if .dockerignore held them


class ContextError(ValueError):
    pass


class BuildContext:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.ignored = list(SKIPPED_ALWAYS)
        ignore = self.root / ".dockerignore"
        if ignore.is_file():  # exclusions only; `!` re-inclusions are not evaluated
            self.ignored += [line.strip().rstrip("/") for line in ignore.read_text().splitlines()
                             if line.strip() and not line.startswith(("#", "!"))]

    def is_ignored(self, path: Path) -> bool:
        relative = path.relative_to(self.root).as_posix()
        parts = relative.split("/")
        for pattern in self.ignored:
            pattern = pattern.lstrip("/")
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern + "/*"):
                return True
            if "/" not in pattern and any(fnmatch.fnmatch(part, pattern) for part in parts):
                return True
        return False

    def sources(self, source: str) -> list[Path]:
        """The files and directories a COPY source (glob allowed) names. Raises ContextError."""
        pattern = source.lstrip("/") or "."
        found = sorted(self.root.glob(pattern)) if any(c in pattern for c in "*?[") else [self.root / pattern]
        result = []
        for path in found:
            resolved = path.resolve()
            if resolved != self.root and self.root not in resolved.parents:
                raise ContextError(f"{source} is outside the build context {self.root}")
            if not resolved.exists():
                raise ContextError(f"{source} does not exist in the build context {self.root}")
            if resolved != self.root and self.is_ignored(resolved):
                continue
            result.append(resolved)
        if not result:
            raise ContextError(f"{source} matches no file in the build context {self.root}")
        return result

    def files_under(self, directory: Path) -> list[Path]:
        return sorted(p for p in directory.rglob("*") if p.is_file() and not self.is_ignored(p))
