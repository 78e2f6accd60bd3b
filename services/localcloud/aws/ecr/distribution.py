"""The OCI distribution API (distribution-spec v1.1, "Pulling", "Pushing", "Content discovery",
"Content management", error codes) as ECR serves it, for docker, skopeo, crane, oras and our builder.

Routing: every /v2/ request whose Host is a registry host (`<account>.dkr.ecr.<region>.localhost.localstack.cloud`
or `...amazonaws.com` through LOCALCLOUD_ALLOWED_HOSTS), and, on the endpoint's own host, unsigned /v2/
requests (none, Basic or Bearer auth) in the API's shape (the path form, `127.0.0.1:<port>/v2/<repository>/...`;
API Gateway v2's /v2/apis calls are SigV4-signed and go on to moto).

Auth as ECR's: `GET /v2/` without credentials answers 401 with a Basic challenge; clients then send
Basic `AWS:<password>`, the password in GetAuthorizationToken's token (`aws ecr get-login-password`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from localcloud.aws.ecr import control, manifests
from localcloud.aws.ecr.blobstore import DIGEST, DigestMismatch, RangeInvalid, UploadUnknown, digest_of
from localcloud.aws.ecr.control import EcrError, Registry
from localcloud.aws.ecr.service import RegistryService, registry_of_host
from localcloud.server.requests import read_body

Response = tuple[int, list[tuple[str, str]], bytes]
NAME = r"(?P<name>[a-z0-9]+(?:[._/-][a-z0-9]+)*)"
ROUTES = [
    ("uploads", re.compile(rf"^/v2/{NAME}/blobs/uploads/?$")),
    ("upload", re.compile(rf"^/v2/{NAME}/blobs/uploads/(?P<id>[^/]+)$")),
    ("blob", re.compile(rf"^/v2/{NAME}/blobs/(?P<digest>[^/]+)$")),
    ("manifest", re.compile(rf"^/v2/{NAME}/manifests/(?P<reference>[^/]+)$")),
    ("tags", re.compile(rf"^/v2/{NAME}/tags/list$")),
]
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
MANIFEST_LIMIT = 4 * 1024 * 1024  # the distribution spec lets registries refuse larger; ECR's limit is 4 MiB
STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
               401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
               413: "Payload Too Large", 416: "Range Not Satisfiable", 500: "Internal Server Error"}
ECR_CODES = {"RepositoryNotFoundException": (404, "NAME_UNKNOWN"), "ImageAlreadyExistsException": (400, "TAG_INVALID"),
             "ImageTagAlreadyExistsException": (400, "TAG_INVALID"), "InvalidParameterException": (400, "MANIFEST_INVALID"),
             "ImageNotFoundException": (404, "MANIFEST_UNKNOWN")}


def is_registry_request(environ: dict[str, Any]) -> bool:
    """A request for the registry API, not for an AWS API that shares the /v2 prefix."""
    if registry_of_host(environ.get("HTTP_HOST", "")) is not None:
        return True
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if (auth and not auth.lower().startswith(("basic ", "bearer "))) or "X-Amz-Credential=" in environ.get(
            "QUERY_STRING", ""):
        return False  # an AWS API call (SigV4, S3's SigV2, presigned): API Gateway v2's /v2/apis, a bucket "v2"
    path = environ.get("PATH_INFO", "")
    return path in ("/v2", "/v2/", "/v2/_catalog") or any(pattern.match(path) for _, pattern in ROUTES)


class OciError(Exception):
    def __init__(self, status: int, code: str, message: str, detail: Any = None,
                 headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail
        self.headers = headers or []

    def response(self) -> Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            error["detail"] = self.detail
        body = json.dumps({"errors": [error]}).encode()
        return self.status, [("Content-Type", "application/json"), *self.headers], body


def make_app(service: RegistryService) -> Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]:
    api = DistributionApi(service)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        try:
            status, headers, body = api.handle(environ)
        except OciError as exc:
            status, headers, body = exc.response()
        headers = [("Docker-Distribution-API-Version", "registry/2.0"), *headers]
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {STATUS_TEXT.get(status, 'Unknown')}", headers)
        return [body]

    return app


class DistributionApi:
    def __init__(self, service: RegistryService) -> None:
        self.service = service
        self.blobs = service.blobs

    # -- routing -------------------------------------------------------------------------------------
    def handle(self, environ: dict[str, Any]) -> Response:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        host = environ.get("HTTP_HOST", "")
        self._authenticate(environ, host)
        if path in ("/v2", "/v2/"):
            return 200, [("Content-Type", "application/json")], b"{}"
        self.service.wait_ready()
        if path == "/v2/_catalog" and method == "GET":
            return self._catalog(host, environ)
        for kind, pattern in ROUTES:
            match = pattern.match(path)
            if not match:
                continue
            name = match["name"]
            registry = self.service.registry_for(host, name)
            repo = control.repository(registry, name)
            if repo is None:
                raise OciError(404, "NAME_UNKNOWN", f"The repository with name '{name}' does not exist in the "
                               f"registry with id '{registry.account}' (region {registry.region}). Create it first "
                               "(aws ecr create-repository, or aws_ecr_repository in Terraform).",
                               {"name": name})
            handler = getattr(self, f"_{kind}_{method.lower()}", None)
            if handler is None:
                raise OciError(405, "UNSUPPORTED", f"{method} is not supported on {path}")
            return handler(environ, registry, repo, name, **{k: v for k, v in match.groupdict().items() if k != "name"})
        raise OciError(404, "NAME_UNKNOWN", f"no registry API route for {method} {path}")

    def _authenticate(self, environ: dict[str, Any], host: str) -> None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        realm = f"https://{host or '127.0.0.1'}/"
        challenge = [("WWW-Authenticate", f'Basic realm="{realm}",service="ecr.amazonaws.com"')]
        if not header:
            raise OciError(401, "UNAUTHORIZED", "authentication required: log in with the password of "
                           "`aws ecr get-login-password` (user AWS)", headers=challenge)
        scheme, _, value = header.partition(" ")
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        if scheme.lower() != "basic" or user != "AWS" or not re.fullmatch(r"\d{12}-auth-token", password):
            raise OciError(401, "UNAUTHORIZED", "the credentials are not an ECR authorization token; get one "
                           "with `aws ecr get-login-password` and log in as user AWS", headers=challenge)

    @staticmethod
    def _query(environ: dict[str, Any]) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}

    # -- blobs ---------------------------------------------------------------------------------------
    def _known_blob(self, repo: Any, digest: str) -> None:
        if not DIGEST.match(digest):
            raise OciError(400, "DIGEST_INVALID", f"{digest!r} is not a sha256 digest", {"digest": digest})
        if not (self.blobs.has(digest) and control.blob_linked(repo, digest)):
            raise OciError(404, "BLOB_UNKNOWN", f"blob {digest} is not in repository {repo.name}", {"digest": digest})

    def _blob_head(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str, digest: str) -> Response:
        self._known_blob(repo, digest)
        size = self.blobs.size(digest)
        return 200, [("Content-Type", "application/octet-stream"), ("Docker-Content-Digest", digest),
                     ("Content-Length", str(size))], b""

    def _blob_get(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str, digest: str) -> Response:
        self._known_blob(repo, digest)
        return 200, [("Content-Type", "application/octet-stream"), ("Docker-Content-Digest", digest)], \
            self.blobs.read(digest)

    def _blob_delete(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str, digest: str) -> Response:
        raise OciError(405, "UNSUPPORTED", "ECR does not delete blobs; delete the images that use them "
                       "(BatchDeleteImage, or DELETE /v2/<name>/manifests/<digest>)")

    @staticmethod
    def _stored(name: str, digest: str) -> Response:
        return 201, [("Location", f"/v2/{name}/blobs/{digest}"), ("Docker-Content-Digest", digest)], b""

    def _finish(self, repo: Any, name: str, upload_id: str, digest: str | None) -> Response:
        if not digest or not DIGEST.match(digest):
            self.blobs.cancel(upload_id)
            raise OciError(400, "DIGEST_INVALID", f"the digest query parameter {digest!r} is not sha256:<64 hex>",
                           {"digest": digest})
        with self.service.lock:  # complete and linked at once, for the garbage collector
            try:
                self.blobs.finish(upload_id, digest)
            except DigestMismatch as exc:
                raise OciError(400, "DIGEST_INVALID", f"provided digest did not match uploaded content: {exc}",
                               {"digest": digest}) from None
            control.link_blob(repo, digest, self.blobs.size(digest))
        return self._stored(name, digest)

    def _uploads_post(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str) -> Response:
        query = self._query(environ)
        body = read_body(environ)
        if "mount" in query:
            source_name = query.get("from", "")
            source = control.repository(registry, source_name) if source_name else None
            digest = query["mount"]
            with self.service.lock:
                if source is not None and DIGEST.match(digest) and self.blobs.has(digest) \
                        and control.blob_linked(source, digest):
                    control.link_blob(repo, digest, self.blobs.size(digest))
                    return self._stored(name, digest)
            # not mountable: the client uploads it (distribution spec: 202 and an upload session)
        upload = self.blobs.start(name)
        if "digest" in query:  # monolithic: POST with the whole blob
            self.blobs.append(upload.id, body)
            return self._finish(repo, name, upload.id, query["digest"])
        return 202, self._upload_headers(name, upload.id, 0), b""

    @staticmethod
    def _upload_headers(name: str, upload_id: str, offset: int) -> list[tuple[str, str]]:
        return [("Location", f"/v2/{name}/blobs/uploads/{upload_id}"), ("Docker-Upload-UUID", upload_id),
                ("Range", f"0-{max(offset - 1, 0)}")]

    def _upload(self, name: str, upload_id: str) -> Any:
        try:
            upload = self.blobs.upload(upload_id)
        except UploadUnknown:
            raise OciError(404, "BLOB_UPLOAD_UNKNOWN", f"no upload {upload_id} is in progress",
                           {"uuid": upload_id}) from None
        if upload.repository != name:
            raise OciError(404, "BLOB_UPLOAD_UNKNOWN", f"upload {upload_id} belongs to another repository")
        return upload

    def _upload_get(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str, id: str) -> Response:
        upload = self._upload(name, id)
        return 204, self._upload_headers(name, id, upload.offset), b""

    def _upload_patch(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str, id: str) -> Response:
        self._upload(name, id)
        start = None
        content_range = environ.get("HTTP_CONTENT_RANGE", "")
        if content_range:
            match = re.fullmatch(r"(?:bytes[ =])?(\d+)-(\d+)(?:/\S+)?", content_range.strip())
            if not match:
                raise OciError(416, "BLOB_UPLOAD_INVALID", f"Content-Range {content_range!r} is not <start>-<end>")
            start = int(match[1])
        try:
            upload = self.blobs.append(id, read_body(environ), start=start)
        except RangeInvalid as exc:
            current = self.blobs.upload(id).offset
            raise OciError(416, "BLOB_UPLOAD_INVALID", str(exc),
                           headers=self._upload_headers(name, id, current)) from None
        return 202, self._upload_headers(name, id, upload.offset), b""

    def _upload_put(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str, id: str) -> Response:
        self._upload(name, id)
        body = read_body(environ)
        if body:
            self.blobs.append(id, body)
        return self._finish(repo, name, id, self._query(environ).get("digest"))

    def _upload_delete(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str, id: str) -> Response:
        self._upload(name, id)
        self.blobs.cancel(id)
        return 204, [], b""

    # -- manifests -----------------------------------------------------------------------------------
    def _image(self, repo: Any, reference: str) -> Any:
        image = control.find_image(repo, reference)
        if image is None:
            raise OciError(404, "MANIFEST_UNKNOWN", f"manifest {reference} is not in repository {repo.name}",
                           {"reference": reference})
        return image

    def _manifest_head(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str,
                       reference: str) -> Response:
        status, headers, body = self._manifest_get(environ, registry, repo, name, reference)
        return status, [*headers, ("Content-Length", str(len(body)))], b""

    def _manifest_get(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str,
                      reference: str) -> Response:
        image = self._image(repo, reference)
        body = image.image_manifest.encode("utf-8")
        media_type = image.image_manifest_media_type or json.loads(body).get("mediaType", manifests.OCI_MANIFEST)
        return 200, [("Content-Type", media_type), ("Docker-Content-Digest", image.get_image_digest())], body

    def _manifest_put(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str,
                      reference: str) -> Response:
        body = read_body(environ)
        if len(body) > MANIFEST_LIMIT:
            raise OciError(413, "SIZE_INVALID", f"the manifest is {len(body)} bytes; ECR accepts up to 4 MiB")
        try:
            parsed = manifests.parse(body, environ.get("CONTENT_TYPE"))
        except manifests.ManifestInvalid as exc:
            raise OciError(400, "MANIFEST_INVALID", f"manifest invalid: {exc}") from None
        digest = digest_of(body)
        tag = None
        if reference.startswith("sha256:"):
            if reference != digest:
                raise OciError(400, "DIGEST_INVALID", f"the manifest's digest is {digest}, not {reference}",
                               {"digest": reference})
        elif not TAG.match(reference):
            raise OciError(400, "TAG_INVALID", f"{reference!r} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})")
        else:
            tag = reference
        for blob in parsed.blobs:
            if not (self.blobs.has(blob) and control.blob_linked(repo, blob)):
                raise OciError(400, "MANIFEST_BLOB_UNKNOWN", f"the manifest names blob {blob}, which repository "
                               f"{name} does not hold; push the blob first", {"digest": blob})
        for child in parsed.children:
            if control.find_image(repo, child["digest"]) is None:
                raise OciError(400, "MANIFEST_BLOB_UNKNOWN", f"the index names manifest {child['digest']}, which "
                               f"repository {name} does not hold; push it first", {"digest": child["digest"]})
        try:
            control.put_manifest(self.service.handle_aws, registry, name, body, parsed.media_type, digest, tag)
        except EcrError as exc:
            status, code = ECR_CODES.get(exc.code, (500, "UNKNOWN"))
            raise OciError(status, code, exc.message) from None
        return 201, [("Location", f"/v2/{name}/manifests/{digest}"), ("Docker-Content-Digest", digest)], b""

    def _manifest_delete(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str,
                         reference: str) -> Response:
        self._image(repo, reference)
        try:
            control.delete_manifest(self.service.handle_aws, registry, name, reference)
        except EcrError as exc:
            status, code = ECR_CODES.get(exc.code, (500, "UNKNOWN"))
            raise OciError(status, code, exc.message) from None
        return 202, [], b""

    # -- discovery -----------------------------------------------------------------------------------
    def _tags_get(self, environ: dict[str, Any], registry: Registry, repo: Any, name: str) -> Response:
        query = self._query(environ)
        tags = control.tags(repo)
        if query.get("last"):
            tags = [tag for tag in tags if tag > query["last"]]
        headers = [("Content-Type", "application/json")]
        if query.get("n", "").isdigit():
            limit = int(query["n"])
            if len(tags) > limit:
                headers.append(("Link", f'</v2/{name}/tags/list?n={limit}&last={tags[limit - 1]}>; rel="next"'))
            tags = tags[:limit]
        return 200, headers, json.dumps({"name": name, "tags": tags}).encode()

    def _catalog(self, host: str, environ: dict[str, Any]) -> Response:
        registry = registry_of_host(host) or Registry(self.service.settings.account_id, self.service.settings.region)
        from localcloud import moto_adapter

        backend = moto_adapter.backends("ecr").get(registry.account, {}).get(registry.region)
        names = sorted(backend.repositories) if backend is not None else []
        return 200, [("Content-Type", "application/json")], json.dumps({"repositories": names}).encode()


def make_resolve_app(service: RegistryService) -> Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]:
    """GET /_localcloud/ecr/resolve?uri=<image uri>: what images.resolve makes of it, as JSON (404 with the
    reason when it names no image here)."""
    from localcloud.aws.ecr import images

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            image = images.resolve(query.get("uri", ""), architecture=query.get("architecture", "x86_64"),
                                   service=service)
            status, document = 200, {
                "uri": image.uri, "resolved_uri": image.resolved_uri, "repository": image.repository,
                "registry": image.registry.host, "tag": image.tag, "digest": image.digest,
                "index_digest": image.index_digest, "media_type": image.media_type, "config": image.config,
                "layers": [str(path) for path in image.layers], "layer_media_types": image.layer_media_types}
        except (images.NotAnEcrImage, images.ImageNotFound) as exc:
            status, document = 404, {"error": type(exc).__name__, "message": str(exc)}
        body = json.dumps(document).encode()
        start_response(f"{status} {STATUS_TEXT[status]}", [("Content-Type", "application/json"),
                                                            ("Content-Length", str(len(body)))])
        return [body]

    return app
