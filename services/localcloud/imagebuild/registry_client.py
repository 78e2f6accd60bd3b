"""A small OCI distribution client: what `localcloud build` needs to push an image, and to read one back.

Why our own (urllib, ~150 lines) rather than a PyPI OCI client: the Python ones (oras-py, opencontainers)
pull in requests and their own auth flows for Docker Hub-style token servers, while ECR (and this local
ECR) asks for one thing, Basic auth with the GetAuthorizationToken password; pushing is four requests
(HEAD blob, POST/PATCH/PUT upload, PUT manifest). Errors carry the registry's OCI error code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

CHUNK = 8 * 1024 * 1024


class RegistryError(RuntimeError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass
class RegistryClient:
    """Talks to `endpoint` (http://127.0.0.1:<port>); `host` is the registry host to name in the Host header
    (`<account>.dkr.ecr.<region>.localhost.localstack.cloud:<port>`), None for the path form."""

    endpoint: str
    repository: str
    password: str
    host: str | None = None

    def _request(self, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        url = path if path.startswith("http") else self.endpoint.rstrip("/") + path
        request = urllib.request.Request(url, data=body, method=method)
        token = base64.b64encode(f"AWS:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if self.host:
            request.add_header("Host", self.host)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
        except urllib.error.HTTPError as exc:
            data = exc.read()
            try:
                error = json.loads(data)["errors"][0]
                raise RegistryError(exc.code, error.get("code", ""), error.get("message", "")) from None
            except (ValueError, KeyError, IndexError):
                raise RegistryError(exc.code, "", data.decode("utf-8", "replace")[:500]) from None

    def _location(self, headers: dict[str, str]) -> str:
        return headers["location"]

    # -- push ----------------------------------------------------------------------------------------
    def has_blob(self, digest: str) -> bool:
        try:
            self._request("HEAD", f"/v2/{self.repository}/blobs/{digest}")
            return True
        except RegistryError as exc:
            if exc.status == 404:
                return False
            raise

    def push_blob(self, data: bytes, digest: str | None = None, chunk_size: int = CHUNK) -> str:
        """Upload `data` unless the repository has it: one PATCH per `chunk_size` bytes, then the closing
        PUT with the digest (the distribution spec's chunked upload). Returns the digest."""
        digest = digest or "sha256:" + hashlib.sha256(data).hexdigest()
        if self.has_blob(digest):
            return digest
        _, headers, _ = self._request("POST", f"/v2/{self.repository}/blobs/uploads/", b"")
        location = self._location(headers)
        for start in range(0, len(data), chunk_size):
            piece = data[start:start + chunk_size]
            _, headers, _ = self._request("PATCH", location, piece, {
                "Content-Type": "application/octet-stream",
                "Content-Range": f"{start}-{start + len(piece) - 1}"})
            location = self._location(headers)
        separator = "&" if "?" in location else "?"
        self._request("PUT", f"{location}{separator}digest={digest}", b"",
                      {"Content-Type": "application/octet-stream"})
        return digest

    def push_manifest(self, reference: str, manifest: bytes, media_type: str) -> str:
        _, headers, _ = self._request("PUT", f"/v2/{self.repository}/manifests/{reference}", manifest,
                                      {"Content-Type": media_type})
        return headers.get("docker-content-digest", "sha256:" + hashlib.sha256(manifest).hexdigest())

    # -- pull ----------------------------------------------------------------------------------------
    def manifest(self, reference: str) -> tuple[bytes, str, str]:
        """(manifest bytes, media type, digest)."""
        _, headers, body = self._request("GET", f"/v2/{self.repository}/manifests/{reference}", headers={
            "Accept": "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
                      "application/vnd.docker.distribution.manifest.v2+json, "
                      "application/vnd.docker.distribution.manifest.list.v2+json"})
        return body, headers.get("content-type", ""), headers.get("docker-content-digest", "")

    def blob(self, digest: str) -> bytes:
        return self._request("GET", f"/v2/{self.repository}/blobs/{digest}")[2]

    def tags(self) -> list[str]:
        return json.loads(self._request("GET", f"/v2/{self.repository}/tags/list")[2])["tags"]

    def config(self, reference: str) -> dict[str, Any]:
        return json.loads(self.blob(json.loads(self.manifest(reference)[0])["config"]["digest"]))
