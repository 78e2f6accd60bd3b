"""Tiny, byte-for-byte reproducible Lambda packages for the conformance stack.

Terraform compares `source_code_hash` on every plan, so the zips must not change between runs: fixed
timestamps and permissions, sorted entries.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

FUNCTION_SOURCE = '''\
"""Conformance stack functions: just enough to be real handlers."""
import json


def _answer(name, event):
    return {"function": name, "records": len(event.get("Records", [])) if isinstance(event, dict) else 0}


def ingest(event, context):
    return _answer("ingest", event)


def process(event, context):
    return {"batchItemFailures": []}


def work(event, context):
    return {"batchItemFailures": []}


def compact(event, context):
    return _answer("compact", event)


def api(event, context):
    station = (event.get("pathParameters") or {}).get("station_id")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"station_id": station, "readings": []})}
'''

LAYER_SOURCE = '''\
"""Helpers shared through the layer (importable as `shared` under /opt/python)."""


def describe(record):
    return {"keys": sorted(record)}
'''


def _write_zip(path: Path, files: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return path


def build_packages(folder: Path) -> dict[str, str]:
    """Write the function and layer zips into `folder`; returns the Terraform variables naming them."""
    function_zip = _write_zip(folder / "functions.zip", {"handler.py": FUNCTION_SOURCE})
    layer_zip = _write_zip(folder / "layer.zip", {"python/shared.py": LAYER_SOURCE})
    return {"function_zip": str(function_zip), "layer_zip": str(layer_zip)}
