"""The local mailbox: SNS `email` / `email-json` deliveries land as JSON files under <state_dir>/mailbox/.

One file per message: {id, to, from, subject, body, timestamp, topic_arn, kind}. Nothing is sent
anywhere; `localcloud mailbox` lists and shows them.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

SENDER = "no-reply@sns.amazonaws.com"
_directory: Path | None = None


def configure(state_dir: Path) -> None:
    global _directory
    _directory = state_dir / "mailbox"


def directory(state_dir: Path | None = None) -> Path:
    if state_dir is not None:
        return state_dir / "mailbox"
    if _directory is None:
        raise RuntimeError("the mailbox is not configured; it lives in the local cloud's state dir")
    return _directory


def deliver(to: str, subject: str, body: str, *, topic_arn: str = "", kind: str = "notification") -> dict[str, Any]:
    now = time.time()
    message = {"id": f"{int(now * 1000):013d}-{uuid.uuid4().hex[:8]}", "to": to, "from": SENDER,
               "subject": subject, "body": body, "timestamp": now, "topic_arn": topic_arn, "kind": kind}
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{message['id']}.json"
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(message, indent=2))
    os.replace(partial, target)  # readers never see half a message
    return message


def messages(state_dir: Path | None = None) -> list[dict[str, Any]]:
    folder = directory(state_dir)
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            found.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return found
