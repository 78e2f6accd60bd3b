"""Inside a fork template (template.py starts it): import what the runtime ships once, then fork each new
execution environment from it, so a cold start no longer pays for `import boto3` (300-380 ms here).

Runs under the runtime's interpreter with `-I -S` like a worker (worker_bootstrap.py), with the runtime
directory alone on its import path: boto3, botocore and awslambdaric's helpers come from there, nothing from
the host's packages. awslambdaric.bootstrap is NOT imported here: it reads AWS_LAMBDA_LOG_FORMAT and
AWS_LAMBDA_LOG_LEVEL when imported, so each environment imports it itself, with its own variables.

In the sandbox, sandbox_enter.py built the tree (without /var/task, /opt, a sized /tmp) with the host's
root kept at HOST_INSIDE and privileges kept, and exec'd this file as /var/rapid/bootstrap.py; we are PID 1
of the template's PID namespace. PID 1 stays a plain reaper, so the template (its child, the *forker*)
may die without taking the environments it forked along (the kernel kills a namespace with its PID 1).

Per environment the server sends one message on the control socket: a JSON document
{env, argv, cwd, sandbox: {task, layers, tmp_mb} | null} and two descriptors: the write end of the
environment's output pipe and its status socket. The forker forks a *keeper* that
  - starts a session (the server kills the environment by its process group), takes the output pipe as
    stdout/stderr and /dev/null as stdin,
  - says "pid" on the status socket: the kernel attaches its PID as the server sees it (SO_PASSCRED),
  - in the sandbox unshares a mount and a PID namespace, so the worker it forks is PID 1 of its own,
  - waits for the worker and reports "exit <code>" (the server is not its parent, so cannot wait itself).
The worker mounts the function's /var/task, /opt (layers merged), a /tmp of EphemeralStorage size and its
own /proc, detaches the host view, drops to uid 993 exactly as sandbox_enter.py does (drop_privileges),
replaces the template's environment variables by the function's (os.environ cleared first), and runs
worker_bootstrap.main as a spawned worker would.
"""

import ctypes
import json
import os
import signal
import socket
import sys

CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
PR_SET_PDEATHSIG = 1
PRELOAD = ("boto3", "botocore.session", "botocore.client", "simplejson", "awslambdaric.lambda_context",
           "awslambdaric.lambda_runtime_exception", "awslambdaric.lambda_runtime_marshaller",
           "awslambdaric.lambda_runtime_log_utils", "awslambdaric.lambda_config")


def _load(name, path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def preload(runtime_dir):
    """Import what the runtime ships; the top-level names that came from the runtime directory (a package
    or layer holding one of them must not get ours: template.py falls back to a spawn for it)."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    prefix = runtime_dir.rstrip("/") + "/"
    return sorted({name.partition(".")[0] for name, module in list(sys.modules.items())
                   if (getattr(module, "__file__", None) or "").startswith(prefix)})


def _mount_function(enter, host, box):
    """The per-environment half of sandbox_enter.build, in this environment's own mount namespace."""
    enter.mount(None, "/", None, enter.MS_REC | enter.MS_PRIVATE)
    enter.umount_detach("/proc")
    enter.mount("proc", "/proc", "proc", enter.MS_NOSUID | enter.MS_NODEV | enter.MS_NOEXEC)  # our PID ns
    enter.MOUNTINFO = "/proc/self/mountinfo"
    enter.bind_read_only(host + box["task"], "/var/task")
    layers = box.get("layers") or []
    if len(layers) == 1:
        enter.bind_read_only(host + layers[0], "/opt")
    elif layers:  # overlayfs lists the topmost lower layer first (sandbox_enter._opt)
        lower = ":".join(host + layer for layer in reversed(layers))
        enter.mount("overlay", "/opt", "overlay", enter.MS_RDONLY | enter.MS_NOSUID | enter.MS_NODEV,
                    f"lowerdir={lower}")
    enter.umount_detach("/tmp")
    enter.mount("tmpfs", "/tmp", "tmpfs", enter.MS_NOSUID | enter.MS_NODEV, f"mode=1777,size={int(box['tmp_mb'])}m")
    enter.umount_detach(host)  # nothing of the host is reachable any more
    enter.drop_privileges(os.environ["_LOCALCLOUD_TEMPLATE_MODE"])


def _worker(request, enter, host, worker, status):
    code = 1
    try:
        try:
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the keeper's death ends us
            if request.get("sandbox"):
                _mount_function(enter, host, request["sandbox"])
            os.chdir(request["cwd"])
        except BaseException as exc:
            status.sendall(f"failed {exc!r}\n".encode())
            raise
        status.sendall(b"worker\n")  # our PID as the server sees it: its memory watch measures us, not the keeper
        status.close()
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = list(request["argv"])
        import importlib

        importlib.invalidate_caches()
        worker.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # noqa: BLE001  reported as the worker's own output, then exit 1
        import traceback

        print(f"localcloud: the forked execution environment could not start: {exc!r}", file=sys.stderr)
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def _keeper(request, output, status, enter, host, worker):
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the forker ignores it; we wait for our worker
    os.setsid()
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(null)
    os.close(output)
    status.sendall(b"pid\n")  # the kernel attaches our PID in the server's namespace
    if request.get("sandbox"):
        enter._check(enter._libc.unshare(CLONE_NEWNS | CLONE_NEWPID), "unshare mount and PID namespaces")
    pid = os.fork()
    if pid == 0:
        _worker(request, enter, host, worker, status)
    _, wait_status = os.waitpid(pid, 0)
    try:
        status.sendall(f"exit {os.waitstatus_to_exitcode(wait_status)}\n".encode())
    finally:
        os._exit(0)


def serve(control, enter, host, worker):
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped by the kernel
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 2)
        except InterruptedError:
            continue
        if not message:  # the server closed its end: it stopped, or gave up on us
            return
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue
        output, status_fd = fds
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                status = socket.socket(fileno=status_fd)
                _keeper(json.loads(message), output, status, enter, host, worker)
            finally:
                os._exit(1)
        os.close(output)
        os.close(status_fd)


def _reap_until_alone(forker):
    """PID 1 of the template's namespace: reap every orphan; leave once nothing is left below us."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def main():
    control = socket.socket(fileno=int(os.environ.pop("_LOCALCLOUD_TEMPLATE_FD")))
    host = os.environ.pop("_LOCALCLOUD_TEMPLATE_HOST", "")
    enter_path = os.environ.pop("_LOCALCLOUD_TEMPLATE_ENTER", "")
    worker_path = os.environ.pop("_LOCALCLOUD_TEMPLATE_WORKER")
    runtime_dir = os.environ.pop("_LOCALCLOUD_TEMPLATE_RUNTIME")
    if host and os.getpid() == 1:
        forker = os.fork()
        if forker:
            control.close()
            _reap_until_alone(forker)
            return
    enter = _load("_localcloud_sandbox_enter", host + enter_path) if enter_path else None
    worker = _load("_localcloud_worker_bootstrap", host + worker_path)
    sys.path.insert(0, runtime_dir)
    names = preload(runtime_dir)
    sys.path.remove(runtime_dir)  # each worker puts back AWS's whole path (_LOCALCLOUD_SYS_PATH), in order
    control.send(json.dumps({"ready": names}).encode())
    _, fds, _, _ = socket.recv_fds(control, 64, 1)  # the socket to serve on (template.py says why)
    control.close()
    if len(fds) != 1:
        return
    serve(socket.socket(fileno=fds[0]), enter, host, worker)


if __name__ == "__main__":
    main()
