"""A stack the kit did not write, through the real Terraform: Node.js (ESM and CommonJS, an error) and a
provided.al2023 bootstrap run; a Java function is Active and fails at invoke with a Runtime error; an HTTP
API serves a Lambda proxy (payload 2.0) behind a Lambda request authorizer; a REST API imported from a
Swagger 2.0 body, redeployed by a triggers hash and cached, serves its routes; the re-plan is empty and
destroy leaves nothing."""

import io
import json
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from localcloud.terraform.runner import TerraformRunner
from localcloud.testing import isolated

pytestmark = pytest.mark.integration
CONFIG = Path(__file__).resolve().parent / "foreign_stack"

NODE_ESM = """\
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const sts = new STSClient({});

export const handler = async (event, context) => {
  const { Account } = await sts.send(new GetCallerIdentityCommand({}));
  const answer = { account: Account, greeting: process.env.GREETING, fn: context.functionName,
                   routeKey: event.routeKey, path: event.rawPath ?? event.path, params: event.pathParameters,
                   query: event.rawQueryString, authorizer: event.requestContext?.authorizer ?? null,
                   format: event.version ?? (event.httpMethod ? "rest" : "direct") };
  if (event.requestContext) {
    return { statusCode: 200, headers: { "content-type": "application/json", "x-from": "esm" },
             body: JSON.stringify(answer) };
  }
  return answer;
};
"""

NODE_CJS = """\
// A callback handler: the authorizer of the HTTP API, a REST proxy target, and invoked directly.
exports.handler = function (event, context, callback) {
  if (event.type === "REQUEST") {
    const ok = event.headers && event.headers.authorization === "Bearer letmein";
    return callback(null, { isAuthorized: ok, context: { user: "ann", by: context.functionName } });
  }
  if (event.httpMethod) {
    return callback(null, { statusCode: 200, body: JSON.stringify({ cjs: true, resource: event.resource }) });
  }
  setTimeout(() => callback(null, { cjs: true, left: context.getRemainingTimeInMillis() > 0,
                                     id: context.awsRequestId }), 5);
};
"""

NODE_ERROR = """\
class OrderRejected extends Error {
  constructor(message) { super(message); this.name = "OrderRejected"; }
}
exports.handler = async () => { throw new OrderRejected("order 7 has no lines"); };
"""

BOOTSTRAP = """\
#!/bin/sh
# The custom runtime loop of AWS's tutorial: next, run, respond.
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d: -f2 | tr -d '[:space:]')"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\": $EVENT, \\"handler\\": \\"$_HANDLER\\"}" >/dev/null
done
"""


def _zip(path: Path, files: dict[str, str], executable: tuple[str, ...] = ()) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in executable else 0o644) << 16
            archive.writestr(info, files[name])
    path.write_bytes(buffer.getvalue())
    return str(path)


def _http(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _invoke(lam, name: str, payload: object = None):
    answer = lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode())
    return answer.get("FunctionError"), json.loads(answer["Payload"].read() or b"null")


def test_a_foreign_stack_applies_runs_replans_clean_and_destroys(tmp_path):
    variables = {
        "node_esm_zip": _zip(tmp_path / "esm.zip", {"index.mjs": NODE_ESM}),
        "node_cjs_zip": _zip(tmp_path / "cjs.zip", {"app.js": NODE_CJS}),
        "node_error_zip": _zip(tmp_path / "error.zip", {"index.js": NODE_ERROR}),
        "bootstrap_zip": _zip(tmp_path / "bootstrap.zip", {"bootstrap": BOOTSTRAP}, executable=("bootstrap",)),
        "java_zip": _zip(tmp_path / "java.zip", {"example/Handler.class": "not really a class"}),
    }
    cloud = isolated(tmp_path / "state").start()
    runner = TerraformRunner(CONFIG, "foreign", cloud.settings.state_dir, cloud.endpoint, "us-east-1",
                             variables=variables)
    lam = cloud.client("lambda", read_timeout=120)
    try:
        runner.apply()
        outputs = runner.outputs()

        for name in ("foreign-esm", "foreign-cjs", "foreign-error", "foreign-bootstrap", "foreign-java"):
            configuration = lam.get_function(FunctionName=name)["Configuration"]
            assert configuration["State"] == "Active", configuration
            assert "StateReason" not in configuration

        error, answer = _invoke(lam, "foreign-esm")
        assert error is None
        assert answer == {"account": outputs["account"], "greeting": "hello from foreign-esm", "fn": "foreign-esm",
                          "authorizer": None, "format": "direct"}
        error, answer = _invoke(lam, "foreign-cjs")
        assert error is None and answer["cjs"] is True and answer["left"] is True
        error, answer = _invoke(lam, "foreign-error")
        assert error == "Unhandled"
        assert (answer["errorType"], answer["errorMessage"]) == ("OrderRejected", "order 7 has no lines")
        assert answer["trace"][0] == "OrderRejected: order 7 has no lines"
        error, answer = _invoke(lam, "foreign-bootstrap", {"n": 1})
        assert (error, answer) == (None, {"echo": {"n": 1}, "handler": "echo.handler"})
        error, answer = _invoke(lam, "foreign-java")
        assert error == "Unhandled" and answer["errorType"] == "Runtime.InvalidRuntime"
        assert "java21" in answer["errorMessage"]

        # HTTP API, $default stage (auto-deployed) and a named stage on an explicit deployment.
        status, headers, body = _http(outputs["http_url"].rstrip("/") + "/items/42?color=red")
        assert status == 200 and headers.get("x-from") == "esm"
        answer = json.loads(body)
        assert answer["format"] == "2.0" and answer["routeKey"] == "GET /items/{id}"
        assert (answer["params"], answer["query"], answer["path"]) == ({"id": "42"}, "color=red", "/items/42")
        status, _, body = _http(outputs["http_live_url"] + "/items/7")
        assert status == 200 and json.loads(body)["path"] == "/live/items/7"

        orders = outputs["http_url"].rstrip("/") + "/orders"
        assert _http(orders, "POST", b"{}")[0] == 401  # no identity source: the authorizer is not called
        assert _http(orders, "POST", b"{}", {"Authorization": "Bearer nope"})[0] == 403
        status, _, body = _http(orders, "POST", b"{}", {"Authorization": "Bearer letmein"})
        assert status == 200
        assert json.loads(body)["authorizer"] == {"lambda": {"user": "ann", "by": "foreign-cjs"}}

        # REST API from Swagger 2.0, plus a resource added beside the import.
        status, _, body = _http(outputs["rest_url"] + "/hello")
        assert status == 200 and json.loads(body)["format"] == "rest"
        status, _, body = _http(outputs["rest_url"] + "/ping")
        assert (status, json.loads(body)) == (200, {"pong": True})
        status, _, body = _http(outputs["rest_url"] + "/extra")
        assert (status, json.loads(body)) == (200, {"cjs": True, "resource": "/extra"})
        apigateway = cloud.client("apigateway")
        rest_id = apigateway.get_rest_apis()["items"][0]["id"]
        assert apigateway.get_stage(restApiId=rest_id, stageName="v1")["cacheClusterStatus"] == "AVAILABLE"

        plan = runner.plan()
        assert plan.exit_code == 0, plan.output[-4000:]

        runner.destroy()
        names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
        assert not [n for n in names if n.startswith("foreign-")]
        assert cloud.client("apigatewayv2").get_apis()["Items"] == []
        assert apigateway.get_rest_apis()["items"] == []
    finally:
        cloud.stop()
