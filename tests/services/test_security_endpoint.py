"""The endpoint answers its own clients, not any web page: browser-shaped requests (preflights, Origin,
Sec-Fetch-Site, a rebound Host) against a real local cloud, and the admin surfaces closed by default.

What a browser sends: https://fetch.spec.whatwg.org/#cors-preflight-fetch (OPTIONS with Origin and
Access-Control-Request-*), https://www.w3.org/TR/fetch-metadata/ (Sec-Fetch-Site). What AWS allows
cross-origin: S3 by the bucket's CORS rules (AmazonS3/latest/userguide/cors.html), API Gateway by the
API's OPTIONS method (apigateway/latest/developerguide/how-to-cors.html).
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import botocore.exceptions
import pytest
from localcloud.testing import free_port, isolated
from support import start_cloud

EVIL = "https://evil.example"


def call(cloud, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    request = urllib.request.Request(cloud.endpoint + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def preflight(cloud, path: str, origin: str, method: str = "POST", headers: str = "authorization,x-amz-date",
              host: str | None = None):
    sent = {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}
    if host:
        sent["Host"] = host
    return call(cloud, path, "OPTIONS", sent)


def with_origin(client, origin: str):
    """A boto3 client whose requests carry a browser's Origin header (what the AWS SDK for JavaScript sends)."""
    client.meta.events.register("before-send.*.*", lambda request, **_: request.headers.__setitem__("Origin", origin))
    return client


# -- Origin -----------------------------------------------------------------------------------------------
def test_foreign_preflight_to_the_aws_api_is_not_allowed(cloud):
    status, headers, _ = preflight(cloud, "/", EVIL)
    assert status == 403
    assert headers.get("Access-Control-Allow-Origin") is None


def test_foreign_origin_cannot_create_a_function(cloud):
    lam = with_origin(cloud.client("lambda"), EVIL)
    name = f"evil-{uuid.uuid4().hex[:8]}"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        lam.create_function(FunctionName=name, Runtime="python3.12", Role="arn:aws:iam::123456789012:role/x",
                            Handler="h.handler", Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "LOCALCLOUD_ALLOWED_ORIGINS" in str(refused.value)
    names = [f["FunctionName"] for f in cloud.client("lambda").list_functions()["Functions"]]
    assert name not in names


def test_null_origin_is_foreign(cloud):
    status, headers, _ = preflight(cloud, "/", "null")
    assert status == 403 and headers.get("Access-Control-Allow-Origin") is None


def test_pages_served_from_this_machine_get_cors_answers(cloud):
    for origin in ("http://localhost:3000", "http://127.0.0.1:8080", "http://app.localhost:5173"):
        status, headers, _ = preflight(cloud, "/", origin)
        assert status == 200, origin
        assert headers["Access-Control-Allow-Origin"] == origin
        assert headers["Access-Control-Allow-Headers"] == "authorization,x-amz-date"
    s3 = with_origin(cloud.client("s3"), "http://localhost:3000")
    answer = s3.list_buckets()
    assert answer["ResponseMetadata"]["HTTPHeaders"]["access-control-allow-origin"] == "http://localhost:3000"


def test_cross_site_request_without_origin_is_refused(cloud):
    status, _, body = call(cloud, "/_localcloud/events", headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403 and b"cross-site" in body
    assert call(cloud, "/_localcloud/events", headers={"Sec-Fetch-Site": "same-origin"})[0] == 200


def test_admin_routes_refuse_cross_origin_callers(cloud):
    status, _, body = call(cloud, "/_localcloud/events/fire?name=anything", "POST",
                           {"Origin": EVIL, "Content-Type": "text/plain"}, b"")
    assert status == 403 and b"LOCALCLOUD_ALLOWED_ORIGINS" in body
    # The same call from the developer's own tools reaches the route (nothing by that name: 404).
    assert call(cloud, "/_localcloud/events/fire?name=anything", "POST", body=b"")[0] == 404


# -- Host -------------------------------------------------------------------------------------------------
def test_rebound_host_name_is_refused(cloud):
    status, _, body = call(cloud, "/", headers={"Host": f"evil.example:{cloud.settings.port}"})
    assert status == 403
    assert b"LOCALCLOUD_ALLOWED_HOSTS" in body
    status, _, _ = call(cloud, "/_localcloud/health", headers={"Host": "evil.example"})
    assert status == 403


def test_loopback_and_local_domain_hosts_are_served(cloud):
    port = cloud.settings.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"127.0.0.2:{port}",
                 f"abc123.execute-api.localhost.localstack.cloud:{port}",
                 f"my-bucket.s3.localhost.localstack.cloud:{port}", f"s3.localhost.localstack.cloud:{port}",
                 f"123456789012.dkr.ecr.us-east-1.localhost.localstack.cloud:{port}"):
        assert call(cloud, "/_localcloud/health", headers={"Host": host})[0] == 200, host
    for host in ("localhost.evil.example", "127.0.0.1.nip.io", "10.0.0.5", "localstack.cloud"):
        assert call(cloud, "/_localcloud/health", headers={"Host": host})[0] == 403, host


# -- moto's admin API -------------------------------------------------------------------------------------
def test_moto_api_is_closed_by_default(cloud):
    s3 = cloud.client("s3")
    bucket = f"kept-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    status, _, body = call(cloud, "/moto-api/data.json")
    assert status == 404 and b"LOCALCLOUD_MOTO_API" in body
    assert call(cloud, "/moto-api/reset", "POST", body=b"")[0] == 404
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_settings_open_moto_api_and_add_hosts(tmp_path):
    cloud = start_cloud(tmp_path / "state", LOCALCLOUD_MOTO_API="1",
                        LOCALCLOUD_ALLOWED_HOSTS="localcloud, .corp.example",
                        LOCALCLOUD_ALLOWED_ORIGINS="https://app.corp.example")
    try:
        status, _, body = call(cloud, "/moto-api/data.json")
        assert status == 200 and isinstance(json.loads(body), dict)
        for host in ("localcloud:4566", "ci.corp.example", "corp.example"):
            assert call(cloud, "/_localcloud/health", headers={"Host": host})[0] == 200, host
        assert call(cloud, "/_localcloud/health", headers={"Host": "corp.example.evil"})[0] == 403
        status, headers, _ = preflight(cloud, "/", "https://app.corp.example")
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://app.corp.example"
        assert preflight(cloud, "/moto-api/reset", EVIL)[0] == 403  # open, but not to other web pages
    finally:
        cloud.stop()


# -- resources with their own CORS ------------------------------------------------------------------------
def test_s3_bucket_cors_decides_for_foreign_origins(cloud):
    s3 = cloud.client("s3")
    shared, private = f"shared-{uuid.uuid4().hex[:8]}", f"private-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=shared)
    s3.create_bucket(Bucket=private)
    s3.put_object(Bucket=shared, Key="pic.txt", Body=b"hello", ACL="public-read")  # a page GETs it unsigned
    s3.put_bucket_cors(Bucket=shared, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"]}]})

    status, headers, _ = preflight(cloud, f"/{shared}/pic.txt", "https://app.example", "PUT", "content-type")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://app.example"
    status, headers, body = call(cloud, f"/{shared}/pic.txt", headers={"Origin": "https://app.example"})
    assert status == 200 and body == b"hello"
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"

    status, headers, _ = preflight(cloud, f"/{shared}/pic.txt", EVIL, "PUT", "content-type")
    assert status == 403 and headers.get("Access-Control-Allow-Origin") is None
    assert preflight(cloud, f"/{shared}/pic.txt", "https://app.example", "DELETE", "")[0] == 403
    assert preflight(cloud, f"/{shared}/pic.txt", "https://app.example.evil.com", "GET", "")[0] == 403
    assert preflight(cloud, f"/{private}/pic.txt", "https://app.example", "GET", "")[0] == 403


def test_api_gateway_cors_decides_for_foreign_origins(cloud):
    apigw = cloud.client("apigateway")
    api = apigw.create_rest_api(name=f"cors-{uuid.uuid4().hex[:6]}")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    for path in ("open", "closed"):
        resource = apigw.create_resource(restApiId=api, parentId=root, pathPart=path)["id"]
        apigw.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_integration_response(restApiId=api, resourceId=resource, httpMethod="GET", statusCode="200",
                                       responseTemplates={"application/json": '{"ok": true}'})
        if path == "open":  # the console's "Enable CORS": an OPTIONS MOCK answering Access-Control-* headers
            apigw.put_method(restApiId=api, resourceId=resource, httpMethod="OPTIONS", authorizationType="NONE")
            apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="OPTIONS", type="MOCK",
                                  requestTemplates={"application/json": '{"statusCode": 200}'})
            apigw.put_method_response(restApiId=api, resourceId=resource, httpMethod="OPTIONS", statusCode="200",
                                      responseParameters={"method.response.header.Access-Control-Allow-Origin": False})
            apigw.put_integration_response(
                restApiId=api, resourceId=resource, httpMethod="OPTIONS", statusCode="200",
                responseParameters={"method.response.header.Access-Control-Allow-Origin": "'https://app.example'"})
    apigw.create_deployment(restApiId=api, stageName="v1")
    base = f"/restapis/{api}/v1/_user_request_"

    status, headers, _ = preflight(cloud, f"{base}/open", "https://app.example", "GET", "")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert call(cloud, f"{base}/open", headers={"Origin": "https://app.example"})[0] == 200
    host = f"{api}.execute-api.localhost.localstack.cloud:{cloud.settings.port}"
    assert preflight(cloud, "/v1/open", "https://app.example", "GET", "", host=host)[0] == 200

    assert preflight(cloud, f"{base}/open", EVIL, "GET", "")[0] == 403
    assert call(cloud, f"{base}/open", headers={"Origin": EVIL})[0] == 403
    assert preflight(cloud, f"{base}/closed", "https://app.example", "GET", "")[0] == 403


# -- binding ----------------------------------------------------------------------------------------------
def _start(state_dir, port: int, *flags: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "localcloud.cli", "start", "--detach", "--port", str(port),
                           "--state-dir", str(state_dir), *flags], capture_output=True, text=True, timeout=90)
    done.stderr = " ".join(done.stderr.split())  # the console wraps long lines
    return done


def test_serving_beyond_loopback_needs_allow_remote(tmp_path):
    port = free_port()
    refused = _start(tmp_path / "state", port, "--host", "0.0.0.0")
    assert refused.returncode == 1
    assert "--allow-remote" in refused.stderr and "other machines" in refused.stderr
    started = _start(tmp_path / "state", port, "--host", "0.0.0.0", "--allow-remote")
    remote = isolated(tmp_path / "state", port=port, host="0.0.0.0")
    try:
        assert started.returncode == 0, started.stderr
        assert "warning" in started.stderr and "run code" in started.stderr
        assert call(remote, "/_localcloud/health", headers={"Host": f"127.0.0.1:{port}"})[0] == 200
        assert call(remote, "/_localcloud/health", headers={"Host": "evil.example"})[0] == 403
    finally:
        remote.stop()
