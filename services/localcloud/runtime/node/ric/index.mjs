// localcloud's runtime interface client for Node.js Lambda functions: the loop AWS's nodejs18.x/20.x/22.x
// runtimes run (their /var/runtime/index.mjs), against the Lambda Runtime API in AWS_LAMBDA_RUNTIME_API.
//
// Why our own and not npm's aws-lambda-ric: its 4.x needs Node >= 22 and a node-gyp C++ build at install,
// and 3.x builds libcurl from source with autotools; either costs minutes of compiling on every fresh
// machine and fails where no compiler is. What a handler sees follows AWS's client (Runtime.js,
// CallbackContext.js, UserFunction.js, Errors.js, LogPatch.js in aws-lambda-nodejs-runtime-interface-client):
// - handler "dir/file.export.path": file.js (CommonJS, or ESM under a package.json "type": "module"),
//   file.mjs (ESM) or file.cjs, in LAMBDA_TASK_ROOT; else the bare name on NODE_PATH.
// - async handlers answer when their promise settles; callback handlers answer at callback(), after the
//   event loop empties unless context.callbackWaitsForEmptyEventLoop = false; a handler that neither
//   returns a promise nor calls back answers null once the loop empties.
// - errors as {errorType, errorMessage, trace}; Runtime.ImportModuleError, Runtime.HandlerNotFound,
//   Runtime.MalformedHandlerName, Runtime.UserCodeSyntaxError at init; uncaught exceptions and unhandled
//   rejections fail the invocation and end the process (exit 129 / 128), as AWS's runtime does.
// - console.* lines as "<ISO time>\t<request id>\t<LEVEL>\t<message>", newlines as \r (one log event).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import util from "node:util";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const RUNTIME_PATH = "/2018-06-01/runtime";
const api = process.env.AWS_LAMBDA_RUNTIME_API || "";
// localcloud's Runtime API has a per-environment path prefix ("127.0.0.1:4566/_localcloud/lambda-runtime/<id>").
const slash = api.indexOf("/");
const [host, port] = (slash < 0 ? api : api.slice(0, slash)).split(":");
const base = (slash < 0 ? "" : api.slice(slash)) + RUNTIME_PATH;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

let currentRequestId;

// -- the Runtime API ----------------------------------------------------------------------------------
function call(method, route, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const request = http.request(
      { host, port: Number(port), method, path: base + route, agent,
        headers: { ...headers, ...(payload ? { "Content-Type": "application/json", "Content-Length": payload.length } : {}) } },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode, headers: response.headers,
                                            body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      });
    request.on("error", reject);
    request.end(payload);
  });
}

async function postError(route, error) {
  const document = toRapidResponse(error);
  await call("POST", route, JSON.stringify(document), { "Lambda-Runtime-Function-Error-Type": document.errorType });
}

// -- errors, as Errors.js shapes them -----------------------------------------------------------------
function isError(value) {
  return util.types.isNativeError(value) || (value && typeof value === "object" && typeof value.name === "string"
    && typeof value.message === "string" && typeof value.stack === "string");
}

function toRapidResponse(error) {
  try {
    if (isError(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split("\n") };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return { errorType: "handled", errorMessage: "callback called with Error argument, but there was a problem "
      + "while retrieving one or more of its message, name, and stack" };
  }
}

function runtimeError(name, message, cause) {
  const error = new Error(message);
  error.name = name;
  // The cause's frames, under our own first lines (its message is already in ours).
  const frames = String(cause?.stack ?? "").split("\n").filter((line) => line.startsWith("    at "));
  if (cause) error.stack = [`${name}: ${message}`, ...frames].join("\n");
  return error;
}

// -- console, as LogPatch.js writes it ----------------------------------------------------------------
function patchConsole() {
  const levels = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE",
                   fatal: "FATAL" };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const message = util.format(...args).replace(/\n/g, "\r");
      process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`);
    };
  }
}

// -- loading the handler, as UserFunction.js resolves it ----------------------------------------------
function isEsmJs(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

async function loadModule(taskRoot, moduleRoot, moduleName) {
  const require = createRequire(path.join(taskRoot, "index.js"));
  const stem = path.resolve(taskRoot, moduleRoot, moduleName);
  if (fs.existsSync(`${stem}.js`)) {
    return isEsmJs(`${stem}.js`) ? import(pathToFileURL(`${stem}.js`).href) : require(`${stem}.js`);
  }
  if (fs.existsSync(`${stem}.mjs`)) return import(pathToFileURL(`${stem}.mjs`).href);
  if (fs.existsSync(`${stem}.cjs`)) return require(`${stem}.cjs`);
  try {
    return require(moduleName); // a module on NODE_PATH (a layer's nodejs/node_modules)
  } catch (error) {
    if (error?.code === "MODULE_NOT_FOUND") {
      throw runtimeError("Runtime.ImportModuleError",
                         `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${import.meta.filename}`, error);
    }
    throw error;
  }
}

async function loadHandler(taskRoot, handlerString) {
  const moduleRoot = path.dirname(handlerString);
  const moduleAndPath = path.basename(handlerString);
  const dot = moduleAndPath.indexOf(".");
  if (dot < 1 || dot === moduleAndPath.length - 1) {
    throw runtimeError("Runtime.MalformedHandlerName", "Bad handler");
  }
  const moduleName = moduleAndPath.slice(0, dot);
  const handlerPath = moduleAndPath.slice(dot + 1);
  let loaded;
  try {
    loaded = await loadModule(taskRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw runtimeError("Runtime.UserCodeSyntaxError", `${error.name}: ${error.message}`, error);
    }
    if (error?.code === "ERR_MODULE_NOT_FOUND" || error?.code === "MODULE_NOT_FOUND") {
      throw runtimeError("Runtime.ImportModuleError", `Error: ${error.message}`, error);
    }
    throw error;
  }
  let handler = loaded;
  for (const part of handlerPath.split(".")) {
    handler = handler?.[part];
  }
  if (handler === undefined) {
    throw runtimeError("Runtime.HandlerNotFound", `${moduleAndPath} is undefined or not exported`);
  }
  if (typeof handler !== "function") {
    throw runtimeError("Runtime.HandlerNotFound", `${moduleAndPath} is not a function`);
  }
  return handler;
}

// -- one invocation, as Runtime.js and CallbackContext.js run it --------------------------------------
function contextFor(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const clientContext = headers["lambda-runtime-client-context"];
  const identity = headers["lambda-runtime-cognito-identity"];
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: identity ? JSON.parse(identity) : undefined,
    clientContext: clientContext ? JSON.parse(clientContext) : undefined,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

function invoke(handler, event, context) {
  return new Promise((settle) => {
    let finished = false;
    let onEmptyLoop = null;
    const finish = (outcome) => {
      if (finished) return;
      finished = true;
      if (onEmptyLoop) process.removeListener("beforeExit", onEmptyLoop);
      settle(outcome);
    };
    const answer = (error, result) => {
      if (finished) return;
      const outcome = error === undefined || error === null ? { result } : { error };
      if (context.callbackWaitsForEmptyEventLoop) {
        if (onEmptyLoop) process.removeListener("beforeExit", onEmptyLoop);
        onEmptyLoop = () => finish(outcome);
        process.once("beforeExit", onEmptyLoop);
      } else {
        finish(outcome);
      }
    };
    context.done = answer;
    context.succeed = (result) => answer(null, result);
    context.fail = (error) => answer(error ?? "handled");
    // Neither a promise nor a callback: the answer is null once nothing is left to run.
    onEmptyLoop = () => finish({ result: null });
    process.once("beforeExit", onEmptyLoop);
    let returned;
    try {
      returned = handler(event, context, answer);
    } catch (error) {
      finish({ error });
      return;
    }
    if (returned && typeof returned.then === "function") {
      returned.then((result) => finish({ result }), (error) => finish({ error: error ?? "handled" }));
    }
  });
}

async function serve(handler) {
  for (;;) {
    const next = await call("GET", "/invocation/next");
    if (next.status !== 200) process.exit(0); // the environment is being retired
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = requestId;
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    else delete process.env._X_AMZN_TRACE_ID;
    let outcome;
    try {
      outcome = await invoke(handler, JSON.parse(next.body), contextFor(next.headers));
    } catch (error) {
      outcome = { error };
    }
    if ("error" in outcome) {
      console.error("Invoke Error", JSON.stringify(toRapidResponse(outcome.error)));
      await postError(`/invocation/${requestId}/error`, outcome.error);
      continue;
    }
    let body;
    try {
      body = JSON.stringify(outcome.result === undefined ? null : outcome.result);
    } catch (error) {
      await postError(`/invocation/${requestId}/error`, error);
      continue;
    }
    await call("POST", `/invocation/${requestId}/response`, body);
  }
}

function failInvocationAndExit(label, error, code) {
  console.error(label, JSON.stringify(toRapidResponse(error)));
  const route = currentRequestId ? `/invocation/${currentRequestId}/error` : "/init/error";
  postError(route, error).finally(() => process.exit(code));
}

async function main() {
  patchConsole();
  // ES modules ignore NODE_PATH; the runtime's SDK and layers' node_modules are found as AWS finds them.
  register(pathToFileURL(path.join(import.meta.dirname, "node-path-hooks.mjs")).href);
  process.on("uncaughtException", (error) => failInvocationAndExit("Uncaught Exception", error, 129));
  process.on("unhandledRejection", (reason) => {
    const error = runtimeError("Runtime.UnhandledPromiseRejection", String(reason?.stack ? `${reason.name}: ${reason.message}` : reason), reason);
    failInvocationAndExit("Unhandled Promise Rejection", error, 128);
  });
  let handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER || "");
  } catch (error) {
    console.error(`${error.name}: ${error.message}`.replace(/\n/g, "\r"));
    await postError("/init/error", error);
    process.exit(129);
  }
  await serve(handler);
}

main();
