"""moto's (status, headers, body) written out the way its Flask server writes it, so botocore gets the same bytes.

What moto's server does with a callable's answer (moto/core/utils.py convert_to_flask_response, Flask's
finalize_request, werkzeug's Response.get_wsgi_response): build a Response — a missing Content-Type becomes
"text/html; charset=utf-8", Content-Length is set from the body, multi-valued headers become one line each,
non-string values are str()ed; for HEAD moto's own content-length is put back; then werkzeug fixes the headers
for the status (no Content-Length on 1xx/204, no entity headers on 304) and sends no body for HEAD, 1xx, 204
and 304. Flask's Response class is used as is for that (outside any app context: it reads none unless cookies
are set): it is not where the time goes (Flask's contexts and routing are), and reusing it keeps the rules
identical. A werkzeug HTTPException raised by moto is answered as
Flask answers it: its own response.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Response,  # Flask's, not werkzeug's: a missing Content-Type is text/html here, text/plain there
)
from werkzeug.exceptions import HTTPException

Answer = tuple[int, list[tuple[str, str]], bytes]


def to_wire(result: Any, method: str, environ: dict[str, Any]) -> Answer:
    if len(result) == 3:
        status, headers, content = result
    else:
        status, headers, content = 200, {}, result
    response = Response(response=content, status=status, headers=headers)
    if method == "HEAD" and "content-length" in headers:
        response.headers["Content-Length"] = headers["content-length"]
    return written(response, environ)


def from_exception(error: HTTPException, environ: dict[str, Any]) -> Answer:
    return written(error.get_response(environ), environ)


def written(response: Response, environ: dict[str, Any]) -> Answer:
    app_iter, status, headers = response.get_wsgi_response(environ)
    try:
        body = b"".join(app_iter)
    finally:
        if hasattr(app_iter, "close"):
            app_iter.close()
    return int(status.split(" ", 1)[0]), list(headers), body
