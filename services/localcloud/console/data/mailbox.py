"""Mailbox: the e-mails SNS delivered (events/mailbox.py), newest first; alarm mails parsed for display."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localcloud.events import mailbox


def messages(state_dir: Path, offset: int = 0, size: int = 50, search: str = "") -> dict[str, Any]:
    found = list(reversed(mailbox.messages(state_dir)))
    if search:
        found = [m for m in found if search.lower() in json.dumps(m).lower()]
    page = found[offset:offset + size]
    for message in page:
        try:
            body = json.loads(message.get("body") or "")
        except ValueError:
            body = None
        if isinstance(body, dict) and "AlarmName" in body:  # a CloudWatch alarm notification
            message["alarm"] = {k: body.get(k) for k in ("AlarmName", "NewStateValue", "OldStateValue",
                                                           "NewStateReason", "StateChangeTime", "Region")}
        elif isinstance(body, dict):
            message["json"] = body
    return {"total": len(found), "offset": offset, "items": page,
            "next": offset + size if offset + size < len(found) else None}
