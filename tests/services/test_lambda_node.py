"""Node.js and custom-runtime functions on the local cloud, with AWS's Node semantics: ESM and CommonJS
handlers, async and callback handlers (callbackWaitsForEmptyEventLoop), context methods, the SDK the
managed runtime provides, layers' node_modules, AWS's error shapes and log lines; a provided.al2023
bootstrap against the Runtime API."""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile

import pytest


def _zip(files: dict[str, str], executable: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o755 if name in executable else 0o644) << 16
            archive.writestr(info, text)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def node(lambda_functions):
    created: list[str] = []

    def create(files: dict[str, str], handler: str = "index.handler", runtime: str = "nodejs20.x",
               executable: tuple[str, ...] = (), **extra) -> str:
        name = f"node-{len(created)}-{int(time.time() * 1000) % 100000}"
        lambda_functions.lam.create_function(FunctionName=name, Runtime=runtime, Role=lambda_functions.role,
                                             Handler=handler, Code={"ZipFile": _zip(files, executable)}, **extra)
        created.append(name)
        return name

    return create


def _invoke(lambda_functions, name: str, payload: object = None):
    answer = lambda_functions.lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(),
                                         LogType="Tail")
    logs = base64.b64decode(answer["LogResult"]).decode()
    return answer.get("FunctionError"), json.loads(answer["Payload"].read() or b"null"), logs


def test_esm_handler_gets_event_context_and_the_runtime_sdk(lambda_functions, node):
    name = node({"index.mjs": (
        'import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";\n'
        "export const handler = async (event, context) => {\n"
        "  const me = await new STSClient({}).send(new GetCallerIdentityCommand({}));\n"
        "  console.log('got', event.n);\n"
        "  return { n: event.n + 1, account: me.Account, fn: context.functionName,\n"
        "           memory: context.memoryLimitInMB, arn: context.invokedFunctionArn,\n"
        "           left: context.getRemainingTimeInMillis(), id: context.awsRequestId };\n"
        "};\n")}, MemorySize=256)
    error, body, logs = _invoke(lambda_functions, name, {"n": 41})
    assert error is None
    assert (body["n"], body["account"], body["fn"], body["memory"]) == (42, "123456789012", name, "256")
    assert body["arn"].endswith(f":function:{name}") and 0 < body["left"] <= 3000
    # AWS's Node log line: ISO time, request id, level, message.
    line = next(line for line in logs.splitlines() if line.endswith("got 41"))
    assert line.split("\t")[1:] == [body["id"], "INFO", "got 41"]


def test_commonjs_callback_waits_for_the_event_loop_unless_told_not_to(lambda_functions, node):
    waits = node({"app.js": (
        "let ran = 0;\n"
        "exports.handler = (event, context, callback) => {\n"
        "  context.callbackWaitsForEmptyEventLoop = event.wait;\n"
        "  setTimeout(() => { ran += 1; }, event.ms);\n"
        "  callback(null, { ranBefore: ran });\n"
        "};\n")}, handler="app.handler", Timeout=20)
    # By default the answer goes once the loop is empty: the first call's timer has run by the second.
    assert _invoke(lambda_functions, waits, {"wait": True, "ms": 300})[1] == {"ranBefore": 0}
    assert _invoke(lambda_functions, waits, {"wait": True, "ms": 300})[1] == {"ranBefore": 1}
    # Told not to wait, the answer does not wait for a 10 s timer.
    started = time.monotonic()
    assert _invoke(lambda_functions, waits, {"wait": False, "ms": 10_000})[1] == {"ranBefore": 2}
    assert time.monotonic() - started < 9


def test_errors_have_aws_shapes(lambda_functions, node):
    thrown = node({"index.js": "exports.handler = async () => { throw new RangeError('too far'); };\n"},
                  runtime="nodejs22.x")
    error, body, logs = _invoke(lambda_functions, thrown)
    assert error == "Unhandled"
    assert (body["errorType"], body["errorMessage"]) == ("RangeError", "too far")
    assert body["trace"][0] == "RangeError: too far" and "ERROR\tInvoke Error" in logs

    called_back = node({"index.js": "exports.handler = (e, c, cb) => cb('plain words');\n"})
    assert _invoke(lambda_functions, called_back)[1] == {"errorType": "string", "errorMessage": "plain words",
                                                         "trace": []}

    missing_module = node({"index.js": "exports.handler = async () => 1;\n"}, handler="nothere.handler")
    body = _invoke(lambda_functions, missing_module)[1]
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"].startswith("Error: Cannot find module 'nothere'")

    missing_export = node({"index.mjs": "export const other = async () => 1;\n"})
    body = _invoke(lambda_functions, missing_export)[1]
    assert (body["errorType"], body["errorMessage"]) == ("Runtime.HandlerNotFound",
                                                         "index.handler is undefined or not exported")

    syntax = node({"index.js": "exports.handler = async () => {\n"})
    assert _invoke(lambda_functions, syntax)[1]["errorType"] == "Runtime.UserCodeSyntaxError"


def test_layers_node_modules_are_found_from_esm_and_commonjs(lambda_functions, node):
    layer = lambda_functions.lam.publish_layer_version(LayerName="node-shared", Content={"ZipFile": _zip({
        "nodejs/node_modules/shared/package.json": '{"name": "shared", "main": "index.js"}',
        "nodejs/node_modules/shared/index.js": "exports.hello = (who) => `hello ${who}`;\n"})})["LayerVersionArn"]
    esm = node({"index.mjs": "import shared from 'shared';\nexport const handler = async () => shared.hello('esm');\n"},
               Layers=[layer])
    cjs = node({"index.js": "const { hello } = require('shared');\nexports.handler = async () => hello('cjs');\n"},
               Layers=[layer])
    assert _invoke(lambda_functions, esm)[1] == "hello esm"
    assert _invoke(lambda_functions, cjs)[1] == "hello cjs"


def test_custom_runtime_bootstrap_runs_against_the_runtime_api(lambda_functions, node):
    bootstrap = (
        "#!/bin/sh\nset -eu\nAPI=\"http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime\"\n"
        "while true; do\n  H=$(mktemp)\n  EVENT=$(curl -sS -D \"$H\" \"$API/invocation/next\")\n"
        "  ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' \"$H\" | cut -d: -f2 | tr -d '[:space:]')\n"
        "  if [ \"$EVENT\" = '{\"fail\": true}' ]; then\n"
        "    curl -sS -X POST \"$API/invocation/$ID/error\" -H 'Lambda-Runtime-Function-Error-Type: Custom.Fail'"
        " -d '{\"errorMessage\": \"asked to\", \"errorType\": \"Custom.Fail\"}' >/dev/null\n"
        "  else\n    curl -sS -X POST \"$API/invocation/$ID/response\" -d \"{\\\"got\\\": $EVENT, \\\"cwd\\\": \\\"$(pwd)\\\"}\" >/dev/null\n"
        "  fi\ndone\n")
    name = node({"bootstrap": bootstrap}, handler="any", runtime="provided.al2023", executable=("bootstrap",))
    error, body, _ = _invoke(lambda_functions, name, {"k": 1})
    assert error is None and body["got"] == {"k": 1}
    error, body, _ = _invoke(lambda_functions, name, {"fail": True})
    assert (error, body["errorType"], body["errorMessage"]) == ("Unhandled", "Custom.Fail", "asked to")

    without = node({"main.sh": "echo"}, handler="any", runtime="provided.al2")
    body = _invoke(lambda_functions, without)[1]
    assert body["errorType"] == "Runtime.InvalidEntrypoint" and "bootstrap" in body["errorMessage"]
