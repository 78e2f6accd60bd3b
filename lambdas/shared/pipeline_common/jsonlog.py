"""One JSON object per log line with a `level` field, so CloudWatch metric filters such as
`{ $.level = "ERROR" }` can match. `make build` puts it in every function's zip."""

from __future__ import annotations

import json
import logging
import sys
import time


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            # json.dumps escapes the traceback's newlines, so it stays on the one line.
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def get_logger(name: str) -> logging.Logger:
    root = logging.getLogger()
    # The Lambda runtime installs its own handler on the root logger; we keep it (it tags lines with the
    # request) and only change how each record is written.
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    root.setLevel(logging.INFO)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    return logging.getLogger(name)


def fields(**values) -> dict:
    """`log.info("msg", extra=fields(table="x"))` puts table next to message in the JSON object."""
    return {"fields": values}
