"""Small OCI images for the Lambda image tests, pushed the way any registry client pushes: through the local
ECR's distribution API (monolithic blob uploads, then the manifest), with ECR's Basic authorization."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import urllib.request
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"

# What AWS's Python base image holds that the runtime looks at (aws-lambda-base-images' Dockerfile:
# ENTRYPOINT /lambda-entrypoint.sh, Python under /var/lang), in miniature.
AWS_PYTHON_BASE = {"lambda-entrypoint.sh": "#!/bin/sh\nexec /usr/local/bin/aws-lambda-rie \"$@\"\n",
                   "var/lang/bin/python3.11": "", "var/runtime/bootstrap": "", "var/task/": None}
AWS_PYTHON_ENV = ["LANG=en_US.UTF-8", "TZ=:/etc/localtime", "PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
                  "LAMBDA_TASK_ROOT=/var/task", "LAMBDA_RUNTIME_DIR=/var/runtime"]


def layer(files: dict[str, str | None]) -> bytes:
    """A gzip'd layer tar, entries in order, fixed times: a path -> text is a file, -> None a directory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, text in files.items():
            info = tarfile.TarInfo(path.rstrip("/"))
            if text is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            else:
                data = text.encode()
                info.size, info.mode = len(data), 0o755 if path.endswith(".sh") else 0o644
                archive.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def config(cmd: list[str], entrypoint: list[str] | None = None, env: list[str] | None = None,
           workdir: str = "/var/task", labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"architecture": "amd64", "os": "linux",
            "config": {"Env": AWS_PYTHON_ENV + (env or []), "Cmd": cmd, "WorkingDir": workdir,
                       "Entrypoint": ["/lambda-entrypoint.sh"] if entrypoint is None else entrypoint,
                       **({"Labels": labels} if labels else {})},
            "rootfs": {"type": "layers", "diff_ids": []}}


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Pusher:
    """Pushes to the local ECR at `endpoint` by its path form (`127.0.0.1:<port>/<repository>`)."""

    def __init__(self, cloud) -> None:
        self.endpoint = cloud.endpoint.rstrip("/")
        token = cloud.client("ecr").get_authorization_token()["authorizationData"][0]["authorizationToken"]
        self.authorization = f"Basic {token}"  # base64 of AWS:<password>, as docker login sends it

    def _call(self, method: str, url: str, body: bytes | None = None, content_type: str | None = None) -> Any:
        request = urllib.request.Request(url if url.startswith("http") else self.endpoint + url, data=body,
                                         method=method)
        request.add_header("Authorization", self.authorization)
        if content_type:
            request.add_header("Content-Type", content_type)
        return urllib.request.urlopen(request, timeout=60)

    def blob(self, repository: str, data: bytes) -> str:
        digest = _digest(data)
        with self._call("POST", f"/v2/{repository}/blobs/uploads/") as started:
            location = started.headers["Location"]
        separator = "&" if "?" in location else "?"
        with self._call("PUT", f"{location}{separator}digest={digest}", data, "application/octet-stream"):
            pass
        return digest

    def push(self, repository: str, tag: str, layers: list[bytes], image_config: dict[str, Any]) -> str:
        """The image's manifest digest ("sha256:...")."""
        image_config = {**image_config, "rootfs": {"type": "layers", "diff_ids": [
            _digest(gzip.decompress(data)) for data in layers]}}
        config_bytes = json.dumps(image_config, sort_keys=True).encode()
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG, "digest": self.blob(repository, config_bytes),
                               "size": len(config_bytes)},
                    "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": self.blob(repository, data), "size": len(data)}
                               for data in layers]}
        body = json.dumps(manifest, sort_keys=True).encode()
        with self._call("PUT", f"/v2/{repository}/manifests/{tag}", body, OCI_MANIFEST):
            pass
        return _digest(body)

