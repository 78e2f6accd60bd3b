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

from localcloud.host import find

SENDER = "no-reply@sns.amazonaws.com"


def directory(state_dir: Path | None = None) -> Path:
    """<state_dir>/mailbox; inside the server, the app's state dir (its settings)."""
    if state_dir is not None:
        return state_dir / "mailbox"
    workers = find("sns-delivery")  # events/sns_delivery.SnsWorkers, which holds the app's settings
    if workers is None:
        raise RuntimeError("the mailbox is not configured; it lives in the local cloud's state dir")
    return workers.settings.state_dir / "mailbox"


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
