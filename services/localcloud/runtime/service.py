"""The Lambda runtime service: resolve a function version, find it an environment, run, log.

The in-process API other subsystems call (event source pollers, S3 notifications, Step Functions):
    service = localcloud.runtime.current()
    result = service.invoke("my-function", b'{"k": 1}')            # RequestResponse
    service.invoke("my-function", payload, "Event")                 # queued, retried, DLQ/destinations
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import uuid

from localcloud.config import Settings
from localcloud.host import Host, subsystem
from localcloud.runtime import (
    code,
    destinations,
    image_docker,
    image_functions,
    launchers,
    logs,
    prepare,
    sandbox,
)
from localcloud.runtime.async_invoke import AsyncInvoker, Outcomes
from localcloud.runtime.environment import EnvironmentConfig, ExecutionEnvironment, Invocation
from localcloud.runtime.functions import FunctionSpec, resolve
from localcloud.runtime.invocation import RUNTIME_API_PREFIX, InvocationResult
from localcloud.runtime.launchers import NotRunnable
from localcloud.runtime.pool import EnvironmentPools
from localcloud.runtime.runtime_api import RuntimeApi
from localcloud.runtime.sandbox import Sandbox, SandboxUnavailable
from localcloud.runtime.template import ForkTemplate, Templates, TemplateUnavailable
from localcloud.state import changes

log = logging.getLogger("localcloud.lambda")

SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024  # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
ASYNC_PAYLOAD_LIMIT = 256 * 1024
WORKER_BOOTSTRAP = os.path.join(os.path.dirname(__file__), "worker_bootstrap.py")


class PayloadTooLarge(Exception):
    pass


class InvalidRuntime(Exception):
    """The function's runtime cannot run on this machine (InvalidRuntimeException)."""


class LambdaService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.idle_ttl = settings.lambda_idle_seconds
        self.pools = EnvironmentPools(settings.lambda_concurrency, self._spawn)
        self.code_root = settings.state_dir / "lambda" / "code"
        self.image_root = settings.state_dir / "lambda" / "images"  # unpacked container images, by digest
        self.sandbox = Sandbox(settings.lambda_sandbox)
        self.templates = Templates(settings.lambda_fork_templates)
        self.notes: list[str] = []
        self._noted: set[str] = set()
        self._environments: dict[str, ExecutionEnvironment] = {}
        self._stream_of: dict[str, tuple[FunctionSpec, str]] = {}
        self._stop = threading.Event()
        self.events = AsyncInvoker(self.resolve, self.run, Outcomes(destinations.on_success, destinations.on_failure),
                                   settings.clock_speed)

    # -- lifecycle hooks ------------------------------------------------------------------------------
    def start(self) -> None:
        self.sandbox.probe_in_background()  # its warning, if any, is the one at start
        self.events.start()
        threading.Thread(target=self._reap_loop, name="lambda-reaper", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.events.stop()
        self.pools.stop_all()
        self.templates.stop()

    def health(self) -> dict[str, object]:
        states: dict[str, int] = {}
        for _, env in self.pools.environments():
            states[env.status.value] = states.get(env.status.value, 0) + 1
        notes = list(self.notes)
        if self.sandbox.enabled and self.sandbox.state().startswith("off"):
            notes.append(self.sandbox.warning())  # `localcloud status` shows it beside the log's warning
        return {"notes": notes, "lambda_environments": states,
                "lambda_sandbox": self.sandbox.state(), "lambda_templates": self.templates.health()}

    # -- the in-process API ---------------------------------------------------------------------------
    def resolve(self, name_or_arn: str, qualifier: str | None = None, account_id: str | None = None,
                region: str | None = None) -> FunctionSpec:
        return resolve(account_id or self.settings.account_id, region or self.settings.region, name_or_arn,
                       qualifier)

    def invoke(self, name_or_arn: str, payload: bytes = b"{}", invocation_type: str = "RequestResponse",
               qualifier: str | None = None, *, account_id: str | None = None, region: str | None = None,
               log_type: str | None = None, client_context: str | None = None) -> InvocationResult:
        """Invoke as AWS's Invoke API does. Raises FunctionNotFound, Throttled, PayloadTooLarge, InvalidRuntime."""
        spec = self.resolve(name_or_arn, qualifier, account_id, region)
        invoked_arn = spec.function_arn + (f":{qualifier}" if qualifier else "")
        if invocation_type == "DryRun":
            return InvocationResult(str(uuid.uuid4()), 204, executed_version=spec.version)
        if invocation_type == "Event":
            if len(payload) > ASYNC_PAYLOAD_LIMIT:
                raise PayloadTooLarge(ASYNC_PAYLOAD_LIMIT)
            request_id = self.events.enqueue(spec, payload, qualifier)
            return InvocationResult(request_id, 202, executed_version=spec.version)
        if len(payload) > SYNC_PAYLOAD_LIMIT:
            raise PayloadTooLarge(SYNC_PAYLOAD_LIMIT)
        return self.run(spec, payload, invoked_arn, log_type=log_type, client_context=client_context)

    def run(self, spec: FunctionSpec, payload: bytes, invoked_arn: str, *, wait_seconds: float = 0.0,
            log_type: str | None = None, client_context: str | None = None,
            request_id: str | None = None) -> InvocationResult:
        """One synchronous run on an environment of `spec` (used by invoke and by the async queue)."""
        invocation = Invocation(request_id or str(uuid.uuid4()), payload or b"{}", invoked_arn,
                                client_context=client_context)
        try:
            env, _cold = self.pools.acquire(spec, wait_seconds)
        except NotRunnable as exc:  # as an init failure: the function error names what is missing
            invocation.error = {"errorType": exc.error_type, "errorMessage": str(exc)}
            stream = logs.stream_name(spec.version)
            logs.create_stream(spec, stream)
            prelude = f"localcloud: {exc.error_type}: {exc}\n".encode()
        else:
            try:
                env.invoke(invocation)
            finally:
                self.pools.release(spec, env)
            prelude = bytes(env.init_output)
            env.init_output.clear()
            stream = self._stream_of.get(env.id, (spec, ""))[1]
        lines = logs.invocation_lines(spec, invocation, prelude)
        try:
            logs.write(spec, stream, lines)
            changes.mark("logs")  # written outside a request when the invocation was asynchronous
        except Exception:
            log.exception("could not write the logs of %s to CloudWatch Logs", spec.name)
        result = InvocationResult(invocation.request_id, 200, executed_version=spec.version, error=invocation.error)
        if invocation.error is not None:
            result.function_error = "Unhandled"
            result.payload = json.dumps(invocation.error).encode()
        else:
            result.payload = invocation.response or b""
        if log_type == "Tail":
            result.log_result = logs.tail(lines)
        return result

    # -- Runtime API lookups --------------------------------------------------------------------------
    def environment(self, env_id: str) -> ExecutionEnvironment | None:
        return self._environments.get(env_id)

    # -- internals ------------------------------------------------------------------------------------
    def _note_once(self, key: str, text: str) -> str | None:
        if key in self._noted:
            return None
        self._noted.add(key)
        self.notes.append(text)
        log.warning("%s", text)
        return text

    def _spawn(self, spec: FunctionSpec) -> ExecutionEnvironment:
        if spec.is_image:
            return self._spawn_image(spec)
        if not spec.is_python:
            return self._spawn_launched(spec)
        task_root = code.unpack(self.code_root, spec.code)
        layer_dirs = [code.unpack(self.code_root, layer.code) for layer in spec.layers]
        return self._spawn_python(spec, task_root, layer_dirs)

    def _spawn_image(self, spec: FunctionSpec) -> ExecutionEnvironment:
        """A container-image function built on AWS's Python base: its unpacked /var/task, site-packages and
        /opt, run as a zip function's (image_functions.py); NotRunnable for any other image."""
        from localcloud.runtime import image_source

        try:
            prepared = image_source.prepare(self.image_root, spec)
        except image_source.NeedsDocker as exc:
            if image_docker.available():
                return self._spawn_docker(spec, exc.image)
            raise NotRunnable("Runtime.InvalidEntrypoint", str(exc)) from None
        except image_source.ImageUnavailable as exc:
            raise NotRunnable("Runtime.InvalidEntrypoint", str(exc)) from None
        image_plan = prepared.plan
        run_spec = dataclasses.replace(spec, runtime=f"python{image_plan.python_version}", handler=image_plan.handler)
        return self._spawn_python(run_spec, prepared.unpacked.task, [prepared.unpacked.lang_layer, prepared.unpacked.opt],
                                  image_env=image_plan.environment, workdir=image_plan.working_directory,
                                  execution_env=image_functions.EXECUTION_ENV)

    def _spawn_docker(self, spec: FunctionSpec, image) -> ExecutionEnvironment:
        """UNTESTED (no Docker engine here): the image run by `docker run` (image_docker.py)."""
        stream = logs.stream_name(spec.version)
        logs.create_stream(spec, stream)
        env_id = uuid.uuid4().hex
        inside = {"LAMBDA_TASK_ROOT": sandbox.TASK_ROOT, "LAMBDA_RUNTIME_DIR": sandbox.RUNTIME_DIR}
        variables = self._worker_env(spec, env_id, [], inside, stream, execution_env=image_functions.EXECUTION_ENV)
        variables.pop("_LOCALCLOUD_SYS_PATH", None)
        overrides = image_functions.ImageOverrides.from_config(dict(spec.image_config))
        pulled = f"127.0.0.1:{self.settings.port}/{image.repository}@{image.digest}"
        command = image_docker.command(env_id, pulled, {k: v for k, v in variables.items() if k != "PATH"},
                                       spec.memory_size, overrides.entry_point, overrides.command)
        config = EnvironmentConfig(command=command, cwd=self.image_root, env=variables, timeout=float(spec.timeout),
                                   log_stream=stream, memory_mb=0)  # docker's --memory is the limit
        env = ExecutionEnvironment(config, on_gone=self._gone)
        env.id = env_id
        env.in_docker = True
        self._environments[env.id] = env
        self._stream_of[env.id] = (spec, stream)
        self.image_root.mkdir(parents=True, exist_ok=True)
        env.start()
        return env

    def _spawn_python(self, spec: FunctionSpec, task_root, layer_dirs, *, image_env: dict[str, str] | None = None,
                      workdir: str = sandbox.TASK_ROOT, execution_env: str | None = None) -> ExecutionEnvironment:
        interpreter = prepare.find_interpreter(spec.runtime)
        runtime_dir = prepare.require_runtime_dir(interpreter.version)
        stream = logs.stream_name(spec.version)
        logs.create_stream(spec, stream)
        env_id = uuid.uuid4().hex
        command = [interpreter.executable, "-I", "-S", "-u", WORKER_BOOTSTRAP, spec.handler]
        sys_path = [str(task_root)]
        for layer_dir in layer_dirs:
            sys_path += [str(p) for p in code.layer_paths(layer_dir, interpreter.version)]
        sys_path.append(str(runtime_dir))
        inside = {"LAMBDA_TASK_ROOT": str(task_root), "LAMBDA_RUNTIME_DIR": str(runtime_dir)}
        sandboxed = False
        cwd = image_functions.host_directory(workdir, task_root, layer_dirs)
        if self.sandbox.active():
            try:
                inside = self.sandbox.environment(interpreter=interpreter.executable, handler=spec.handler,
                                                  task=task_root, layers=layer_dirs, runtime=runtime_dir,
                                                  ephemeral_mb=spec.ephemeral_storage_mb, bootstrap=WORKER_BOOTSTRAP,
                                                  cwd=workdir)
            except SandboxUnavailable as exc:
                self._note_once(f"sandbox:{interpreter.executable}",
                                f"{spec.name}: runs without the sandbox, because {exc}.")
            else:
                command = self.sandbox.command(interpreter.executable)
                sandboxed = True
                sys_path = sandbox.sys_path(interpreter.version)
                inside.update(LAMBDA_TASK_ROOT=sandbox.TASK_ROOT, LAMBDA_RUNTIME_DIR=sandbox.RUNTIME_DIR)
        config = EnvironmentConfig(
            command=command, cwd=cwd,
            env=self._worker_env(spec, env_id, sys_path, inside, stream, image_env=image_env,
                                 execution_env=execution_env),
            timeout=float(spec.timeout), log_stream=stream, memory_mb=spec.memory_size)
        template = self.templates.ready(interpreter.executable, interpreter.version, runtime_dir,
                                        self.sandbox if sandboxed else None)
        if template is not None and template.shadowed_by(task_root, layer_dirs) is None:
            config.fork = self._forker(template, config, spec, task_root, layer_dirs, sandboxed, workdir)
        env = ExecutionEnvironment(config, on_gone=self._gone)
        env.id = env_id
        if interpreter.note:
            noted = self._note_once(f"{spec.runtime}:{spec.name}", f"{spec.name}: {interpreter.note}")
            if noted:
                env.init_output.extend(f"localcloud: {interpreter.note}\n".encode())
        self._environments[env.id] = env
        self._stream_of[env.id] = (spec, stream)
        env.start()
        return env

    def _forker(self, template: ForkTemplate, config: EnvironmentConfig, spec: FunctionSpec, task_root, layer_dirs,
                sandboxed: bool, workdir: str = sandbox.TASK_ROOT):
        """The environment forked from `template`: the same variables, argv and tree a spawned worker
        gets (sandbox_enter.py builds it there, template_main.py here); None makes it spawn instead."""
        variables = {k: v for k, v in config.env.items() if k != "_LOCALCLOUD_SANDBOX"}
        if sandboxed:
            real = os.path.realpath
            box = {"task": real(task_root), "layers": [real(p) for p in layer_dirs],
                   "tmp_mb": int(spec.ephemeral_storage_mb)}
            argv, cwd = [sandbox.BOOTSTRAP_INSIDE, spec.handler], workdir  # an image's WORKDIR, else /var/task
        else:
            box, argv, cwd = None, [WORKER_BOOTSTRAP, spec.handler], str(config.cwd)

        def fork():
            try:
                return template.fork(variables, argv, cwd, box)
            except TemplateUnavailable as exc:
                log.warning("the python%s fork template is gone (%s); %s spawns its worker instead, and a new "
                            "template starts", template.version, exc, spec.name)
                self.templates.ready(template.interpreter, template.version, template.runtime_dir, template.sandbox)
                return None

        return fork

    def _spawn_launched(self, spec: FunctionSpec) -> ExecutionEnvironment:
        """A Node.js or custom-runtime worker (launchers.py); NotRunnable for a runtime this machine lacks."""
        task_root = code.unpack(self.code_root, spec.code)
        layer_dirs = [code.unpack(self.code_root, layer.code) for layer in spec.layers]
        launch = launchers.launch_for(self.sandbox, spec, task_root, layer_dirs)
        stream = logs.stream_name(spec.version)
        logs.create_stream(spec, stream)
        env_id = uuid.uuid4().hex
        variables = self._worker_env(spec, env_id, [], launch.inside, stream)
        variables.pop("_LOCALCLOUD_SYS_PATH", None)
        variables.update({k: v for k, v in launch.inside.items() if k in ("NODE_PATH", "_LOCALCLOUD_SANDBOX")})
        config = EnvironmentConfig(command=launch.command, cwd=task_root, env=variables,
                                   timeout=float(spec.timeout), log_stream=stream, memory_mb=spec.memory_size)
        env = ExecutionEnvironment(config, on_gone=self._gone)
        env.id = env_id
        for note in launch.notes:
            if self._note_once(f"{spec.runtime}:{spec.name}:{note[:40]}", f"{spec.name}: {note}"):
                env.init_output.extend(f"localcloud: {note}\n".encode())
        self._environments[env.id] = env
        self._stream_of[env.id] = (spec, stream)
        env.start()
        return env

    def _gone(self, env: ExecutionEnvironment) -> None:
        if getattr(env, "in_docker", False):
            image_docker.remove_later(env.id)
        self.pools.forget(env)
        self._environments.pop(env.id, None)
        self._stream_of.pop(env.id, None)

    def _worker_env(self, spec: FunctionSpec, env_id: str, sys_path: list[str], inside: dict[str, str],
                    stream: str, *, image_env: dict[str, str] | None = None,
                    execution_env: str | None = None) -> dict[str, str]:
        """`inside`: LAMBDA_TASK_ROOT and LAMBDA_RUNTIME_DIR, and in the sandbox AWS's HOME, PATH,
        LD_LIBRARY_PATH, PYTHONPATH and the layout for sandbox_enter.py."""
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "") else self.settings.host
        env = {
            # Defaults a function may override with its own variables.
            "AWS_ENDPOINT_URL": self.settings.endpoint.replace(self.settings.host, host),
            "LANG": "en_US.UTF-8", "TZ": ":UTC", "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH", ""), "HOME": sandbox.HOME,
        }
        env.update({k: v for k, v in inside.items() if k in ("PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "HOME")})
        env.update(image_env or {})  # an image's ENV; the function's Environment wins over it, as on AWS
        env.update(dict(spec.variables))
        env.update(self._credentials(spec))
        env["AWS_ACCESS_KEY"] = env["AWS_ACCESS_KEY_ID"]  # AWS sets both names
        # Reserved variables: AWS rejects functions that set them, so ours always win.
        # https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
        env.update({
            "_HANDLER": spec.handler, "AWS_REGION": spec.region, "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": execution_env or f"AWS_Lambda_{spec.runtime}", "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version, "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group, "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "LAMBDA_TASK_ROOT": inside["LAMBDA_TASK_ROOT"], "LAMBDA_RUNTIME_DIR": inside["LAMBDA_RUNTIME_DIR"],
            "AWS_LAMBDA_RUNTIME_API": f"{host}:{self.settings.port}{RUNTIME_API_PREFIX}{env_id}",
            "_LOCALCLOUD_SYS_PATH": os.pathsep.join(sys_path),
        })
        if "_LOCALCLOUD_SANDBOX" in inside:
            env["_LOCALCLOUD_SANDBOX"] = inside["_LOCALCLOUD_SANDBOX"]
        return {k: v for k, v in env.items() if v != ""}

    def _credentials(self, spec: FunctionSpec) -> dict[str, str]:
        """Temporary credentials of the execution role, as Lambda gets them from STS AssumeRole."""
        try:
            from localcloud.moto_adapter import sts_backends

            role = sts_backends[spec.account_id]["global"].assume_role(
                region_name=spec.region, role_session_name=spec.name, role_arn=spec.role, policy="",
                duration=43200, external_id="")
            return {"AWS_ACCESS_KEY_ID": role.access_key_id, "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
                    "AWS_SESSION_TOKEN": role.session_token}
        except Exception as exc:  # noqa: BLE001  a malformed role ARN: run anyway, with the local cloud's test keys
            self._note_once(f"role:{spec.name}", f"{spec.name}: could not assume its role {spec.role!r} "
                            f"({exc}); it runs with test credentials instead.")
            return {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}

    def _reap_loop(self) -> None:
        while not self._stop.wait(min(5.0, self.idle_ttl)):
            self.pools.reap_idle(self.idle_ttl)


def note_for_caller(access_key: str, line: str) -> bool:
    """Write `line` into the log of the invocation whose environment signs with `access_key` (each
    environment has its own session keys); False outside the server or when no running invocation has it."""
    from localcloud.host import find

    service = find("lambda")
    if service is None:
        return False
    for env in list(service._environments.values()):
        if env.config.env.get("AWS_ACCESS_KEY_ID") == access_key:
            return env.note(line)
    return False


def current() -> LambdaService:
    """The running service, which the app owns (host.subsystems["lambda"]); other subsystems invoke
    functions through it. Raises host.NotInstalled outside the server."""
    return subsystem("lambda")


def install(app: Host) -> LambdaService:
    service = app.subsystems.put("lambda", LambdaService(app.settings))
    app.mount(RUNTIME_API_PREFIX, RuntimeApi(service.environment))
    app.on_start(service.start)
    app.on_stop(service.stop)
    app.add_health(service.health)
    return service
