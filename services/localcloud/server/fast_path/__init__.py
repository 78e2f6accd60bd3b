"""A shorter road to moto for the operations pipelines and test suites call most.

Measured (docs/performance.md): of a warm S3 PutObject or DynamoDB PutItem answered through moto's own WSGI
stack, a large share goes to Flask and werkzeug — the domain dispatcher's lock, the app and request contexts,
URL routing over every moto route of the service, and werkzeug's Request/Response objects — none of which
changes the answer. For the operations in HOT, `FastPath.call` hands the request straight to the moto
response callable Flask would have routed it to (moto_entry.py, the one module that names moto's internals),
and writes moto's (status, headers, body) the way werkzeug would have (wire.py), so botocore sees the same
bytes.

What it does NOT skip: everything LocalCloudApp does around moto — the Host/Origin guard, readiness, parity
validation screens, our handlers and finishers, journaling under the request gate, event notifications
(moto's model hooks run inside the same moto code). It is hooked in one place, where app.py would call
moto's dispatcher, so every hook before and after it still applies. LOCALCLOUD_FAST_PATH=0 turns it off
(the comparison tests run both roads).
"""

from __future__ import annotations

from localcloud.server.fast_path.dispatch import HOT, FastPath, current_request, enabled_from_env

__all__ = ["HOT", "FastPath", "current_request", "enabled_from_env"]
