"""Whether each Lambda execution environment gets the sandbox AWS gives, and the command that builds it.

Linux only, with nothing to install: util-linux `unshare` makes a mount and a PID namespace (and a user
namespace when the server is not root), then sandbox_enter.py, in the function's interpreter, builds the
tree AWS documents and drops to sbx_user1051 (uid 993) before starting the worker. A probe at start runs
that whole path once with a throwaway layout and checks what a function would see; when it fails (macOS,
a container without namespaces) functions run as before, with one warning saying what is missing.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

log = logging.getLogger("localcloud.lambda")

ENTER = str(Path(__file__).with_name("sandbox_enter.py"))
BOOTSTRAP_INSIDE = "/var/rapid/bootstrap.py"
TASK_ROOT, RUNTIME_DIR, LANG_DIR = "/var/task", "/var/runtime", "/var/lang"
HOME = "/home/sbx_user1051"  # what `~` is on AWS (sbx_user1051's home, which does not exist there either)
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
LD_LIBRARY_PATH = "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
PROBE_SECONDS = 20.0


class SandboxUnavailable(Exception):
    """This function's interpreter cannot be placed in the sandbox (the message says why)."""


def sys_path(python_version: str) -> list[str]:
    """The import path AWS gives: the package, the layers' Python directories, then the runtime."""
    return [TASK_ROOT, f"/opt/python/lib/python{python_version}/site-packages", "/opt/python", RUNTIME_DIR]


@dataclass(frozen=True)
class LangHome:
    """An interpreter's installation, mounted at /var/lang as AWS places Python."""

    prefix: str  # host directory (sys.base_prefix)
    host_executable: str  # the real binary (a pyenv shim resolves to it), which starts the sandbox
    executable: str  # its path inside, under /var/lang


@cache
def _lang_home(executable: str) -> LangHome | str:
    """Asked of the interpreter itself: a pyenv shim or a venv link only knows where the binary is by
    running it. Failures are cached too (as their message), so a cold start does not retry them."""
    script = "import os, sys; print(sys.base_prefix); print(os.path.realpath(sys.executable))"
    try:
        prefix, real = subprocess.run([executable, "-I", "-S", "-c", script], capture_output=True, text=True,
                                      timeout=15, check=True).stdout.split("\n")[:2]
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        return f"{executable} did not say where it is installed ({exc})"
    relative = os.path.relpath(real, prefix)
    if relative.startswith(".."):
        return f"{real} is not inside its installation {prefix}, so it cannot be mounted at /var/lang"
    return LangHome(prefix, real, f"{LANG_DIR}/{relative}")


def lang_home(executable: str) -> LangHome:
    home = _lang_home(executable)
    if isinstance(home, str):
        raise SandboxUnavailable(home)
    return home


def grant_read(root: Path) -> None:
    """a+rX over a tree, for a root server whose sandbox runs as uid 993 (code and layers here, the runtime
    directory in prepare.py). Code and layers live in the 0700 state directory, so nobody else on the host
    gains anything. (AWS itself wants world-readable code; we do not
    fail a package that lacks it, as the server's own unpacking decides the modes.)"""
    for directory, dirs, files in os.walk(root):
        for name in [directory, *(os.path.join(directory, f) for f in files)]:
            try:
                info = os.lstat(name)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                continue
            wanted = info.st_mode | 0o444 | (0o111 if stat.S_ISDIR(info.st_mode) or info.st_mode & 0o111 else 0)
            if wanted != info.st_mode:
                os.chmod(name, stat.S_IMODE(wanted))


def encode_layout(layout: dict) -> str:
    """For sandbox_enter.decode_layout: `key=value` lines, a list repeating its key (no json import there)."""
    lines = []
    for key, value in layout.items():
        for item in value if isinstance(value, list) else [value]:
            if "\n" in str(item):
                raise SandboxUnavailable(f"the path {item!r} holds a line break")
            lines.append(f"{key}={item}")
    return "\n".join(lines)


def _others_can_read(path: Path) -> bool:
    try:
        return os.stat(path).st_mode & 0o004 != 0
    except OSError:
        return False


class Sandbox:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.mode: str | None = None  # "root" or "userns" once the probe passed
        self.reason = "" if enabled else "turned off by LOCALCLOUD_LAMBDA_SANDBOX"
        self._probed = threading.Event()
        self._readable: set[Path] = set()
        self._lock = threading.Lock()
        self._unshare = "unshare"
        if not enabled:
            self._probed.set()

    # -- lifecycle ------------------------------------------------------------------------------------
    def probe_in_background(self) -> None:
        if not self._probed.is_set():
            threading.Thread(target=self._probe, name="lambda-sandbox-probe", daemon=True).start()

    def active(self) -> bool:
        """Whether environments get the sandbox; waits for the probe the first time."""
        self._probed.wait(PROBE_SECONDS + 5)
        return self.mode is not None

    def state(self) -> str:
        """For /_localcloud/health: the mode, "probing", or why it is off."""
        if not self._probed.is_set():
            return "probing"
        return self.mode or f"off: {self.reason}"

    # -- per environment ------------------------------------------------------------------------------
    def command(self, interpreter: str) -> list[str]:
        """unshare, then sandbox_enter.py in the function's interpreter (which execs the worker inside)."""
        namespaces = ["--mount", "--pid", "--fork", "--kill-child"]
        if self.mode == "userns":
            namespaces.insert(0, "--map-root-user")
        return [self._unshare, *namespaces, lang_home(interpreter).host_executable, "-I", "-S", ENTER]

    def environment(self, *, interpreter: str, handler: str, task: Path, layers: list[Path], runtime: Path,
                    ephemeral_mb: int, bootstrap: str, cwd: str = TASK_ROOT) -> dict[str, str]:
        """The variables that tell sandbox_enter.py what to build, and AWS's paths for the worker; `cwd` is
        the working directory inside (an image's WORKDIR)."""
        home = lang_home(interpreter)
        if self.mode == "root":
            self._readable_once([task, *layers])
            if not _others_can_read(runtime / "awslambdaric" / "__init__.py"):  # prepare.py grants it
                self._readable_once([runtime])
        real = os.path.realpath  # sandbox_enter.py reaches host paths under /oldroot, where a symlink breaks
        layout = {"mode": self.mode, "task": real(task), "layers": [real(p) for p in layers], "runtime": real(runtime),
                  "lang": real(home.prefix), "bootstrap": real(bootstrap), "tmp_mb": int(ephemeral_mb),
                  "argv": [home.executable, "-I", "-S", "-u", BOOTSTRAP_INSIDE, handler]}
        if cwd != TASK_ROOT:
            layout["cwd"] = cwd
        return {"_LOCALCLOUD_SANDBOX": encode_layout(layout), "HOME": HOME, "PATH": PATH,
                "LD_LIBRARY_PATH": LD_LIBRARY_PATH, "PYTHONPATH": RUNTIME_DIR}

    def template_environment(self, *, interpreter: str, runtime: Path, entry: str) -> dict[str, str]:
        """The tree for a fork template (template.py): the runtime and the interpreter mounted as for a
        worker, no code or layers yet, the host kept at HOST_INSIDE and privileges kept, so each
        environment forked from it mounts its own and then drops them (template_main.py)."""
        home = lang_home(interpreter)
        if self.mode == "root" and not _others_can_read(runtime / "awslambdaric" / "__init__.py"):
            self._readable_once([runtime])
        real = os.path.realpath
        layout = {"mode": self.mode, "template": "1", "task": "", "layers": [], "runtime": real(runtime),
                  "lang": real(home.prefix), "bootstrap": real(entry), "tmp_mb": 1,
                  "argv": [home.executable, "-I", "-S", "-u", BOOTSTRAP_INSIDE]}
        return {"_LOCALCLOUD_SANDBOX": encode_layout(layout), "HOME": HOME, "PATH": PATH,
                "LD_LIBRARY_PATH": LD_LIBRARY_PATH}

    def process_environment(self, *, argv: list[str], task: Path, layers: list[Path], runtime: Path | None,
                            lang: str | None, ephemeral_mb: int) -> dict[str, str]:
        """The same tree for a worker that is not Python (Node.js, a custom runtime's bootstrap): `lang` is
        the host installation mounted at /var/lang (None: no /var/lang, as on provided.al2023), `runtime`
        the directory mounted at /var/runtime (None: an empty one), `argv` the paths inside. sandbox_enter.py
        itself still runs in the local cloud's Python (command() with sys.executable)."""
        if self.mode == "root":
            self._readable_once([task, *layers, *([runtime] if runtime else [])])
        real = os.path.realpath
        layout = {"mode": self.mode, "task": real(task), "layers": [real(p) for p in layers],
                  "runtime": real(runtime) if runtime else "", "lang": real(lang) if lang else "",
                  "bootstrap": "", "tmp_mb": int(ephemeral_mb), "argv": argv}
        return {"_LOCALCLOUD_SANDBOX": encode_layout(layout), "HOME": HOME, "PATH": PATH,
                "LD_LIBRARY_PATH": LD_LIBRARY_PATH}

    def _readable_once(self, trees: list[Path]) -> None:
        with self._lock:
            for tree in trees:
                if tree not in self._readable:
                    grant_read(tree)
                    self._readable.add(tree)

    # -- probe ----------------------------------------------------------------------------------------
    def _probe(self) -> None:
        try:
            self.mode, self.reason = self._try(), ""
        except Exception as exc:  # noqa: BLE001  whatever broke, functions still run, unsandboxed
            self.mode, self.reason = None, str(exc) if isinstance(exc, SandboxUnavailable) else repr(exc)
        finally:
            self._probed.set()
        if self.mode is None:
            log.warning("%s", self.warning())

    def warning(self) -> str:
        return (f"Lambda functions run WITHOUT the AWS-like sandbox: {self.reason}. They see the host's file "
                "system as the local cloud's user (no read-only /var/task, no /opt, no private /tmp), so code "
                "that passes here may fail on AWS; memory limits still apply. On Linux, allow unprivileged user "
                "namespaces (sysctl kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_"
                "unprivileged_userns=0 on Ubuntu); in a container, give it CAP_SYS_ADMIN. Set "
                "LOCALCLOUD_LAMBDA_SANDBOX=0 to silence this.")

    def _try(self) -> str:
        if not sys.platform.startswith("linux"):
            raise SandboxUnavailable(f"namespaces are Linux-only and this is {sys.platform}")
        self._unshare = shutil.which("unshare") or ""
        if not self._unshare:
            raise SandboxUnavailable("util-linux `unshare` is not on PATH")
        self.mode = "root" if os.geteuid() == 0 else "userns"
        scratch = Path(tempfile.mkdtemp(prefix="localcloud-sandbox-probe-"))
        try:
            return self._run_probe(scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _run_probe(self, scratch: Path) -> str:
        """The real path once: two layers merged, code read-only, /tmp writable, uid 993, no host homes."""
        for name, files in (("task", {"handler.py": ""}), ("layer1", {"f": "1", "only1": "1"}), ("layer2", {"f": "2"}),
                            ("runtime", {})):
            (scratch / name).mkdir()
            for file, text in files.items():
                (scratch / name / file).write_text(text)
        check = scratch / "check.py"
        check.write_text(PROBE_CHECK)
        env = self.environment(interpreter=sys.executable, handler="-", task=scratch / "task",
                               layers=[scratch / "layer1", scratch / "layer2"], runtime=scratch / "runtime",
                               ephemeral_mb=16, bootstrap=str(check))
        try:
            result = subprocess.run(self.command(sys.executable), env=env, capture_output=True, text=True,
                                    timeout=PROBE_SECONDS, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SandboxUnavailable(f"`unshare` could not run ({exc})") from exc
        said = (result.stdout + result.stderr).strip()
        if result.returncode != 0 or said != "ok":
            raise SandboxUnavailable(f"the namespace probe failed ({self.mode} mode, exit {result.returncode}: "
                                     f"{said[-400:] or 'no output'})")
        return self.mode


# Runs inside the probe's sandbox: every property the tests check through the endpoint, in miniature.
PROBE_CHECK = """
import errno, os, sys
problems = []
if os.getuid() != 993: problems.append("uid is %d, not 993" % os.getuid())
try:
    open("/var/task/x", "w")
    problems.append("/var/task is writable")
except OSError as exc:
    if exc.errno != errno.EROFS: problems.append("/var/task write: %s" % exc)
open("/tmp/x", "w").write("x")
if open("/opt/f").read() != "2" or not os.path.exists("/opt/only1"): problems.append("layers not merged at /opt")
for path in ("/root", "/home"):
    if os.path.exists(path): problems.append(path + " is visible")
try:
    open("/etc/shadow").read()
    problems.append("/etc/shadow is readable")
except FileNotFoundError:
    pass
except PermissionError:
    pass
print("; ".join(problems) or "ok")
"""
