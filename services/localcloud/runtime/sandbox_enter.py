"""Inside a new mount + PID namespace: build the file system a Lambda execution environment sees, then exec.

Run by util-linux `unshare` (see sandbox.py) under the function's interpreter with `-I -S`, so the standard
library and ctypes only, and as little of it as possible: every cold start pays for this interpreter too
(json alone would cost 10 ms of CPU). The layout comes in _LOCALCLOUD_SANDBOX as `key=value` lines, a list
repeating its key (sandbox.encode_layout):
    task, layers[], runtime, lang   host directories for /var/task, /opt (merged in order), /var/runtime,
                                    /var/lang (the interpreter's installation, as AWS places it)
    bootstrap                       host file copied to /var/rapid/bootstrap.py (the worker's entry point)
    tmp_mb                          size of the private /tmp (EphemeralStorage)
    template                        "1": this is a fork template (template.py): the host's root stays at
                                    HOST_INSIDE and privileges are kept, so each environment forked from
                                    it can mount its own code, layers, /tmp and /proc (template_main.py)
    mode                            "root": we are real root; drop to uid 993 with setuid.
                                    "userns": we are root of a user namespace mapped to the server's user;
                                    a nested user namespace maps uid 993 to it.
    argv                            what to exec once inside (argv[0] is the interpreter path inside)

What the function sees (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):
/var/task, /opt, /var/runtime, /var/lang read-only; /tmp writable and sized; /usr, /etc, /lib*, /bin,
/sbin read-only from the host; a fresh /proc of its own PID namespace; a minimal /dev; no /home, /root,
/sys or anything else of the host (the state directory included). The network is the host's, so the
Runtime API and AWS_ENDPOINT_URL on 127.0.0.1 stay reachable.

The construction follows bubblewrap: a scaffold tmpfs becomes the root with the host's root under
/oldroot, the new tree is assembled under /newroot from /oldroot, then pivot_root into it and detach
everything else.
"""

import ctypes
import os
import sys

SANDBOX_UID, SANDBOX_GID = 993, 990  # sbx_user1051 on AWS: uid=993 gid=990
SANDBOX_USER = "sbx_user1051"

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 32, 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 1 << 18, 1 << 21, 1 << 24
MNT_DETACH = 2
CLONE_NEWUSER = 0x10000000
PR_SET_NO_NEW_PRIVS = 38
SYSTEM_DIRS = ("/usr", "/etc", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")
MOUNTINFO = "/newroot/proc/self/mountinfo"  # the sandbox's own /proc, mounted first
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
HOST_INSIDE = "/var/rapid/host"  # a fork template's view of the host; each forked environment detaches it

_libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(err)} (errno {err})")


def _b(value):
    return None if value is None else os.fsencode(value)


def mount(source, target, fstype=None, flags=0, data=None) -> None:
    _check(_libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)),
           f"mount {source or fstype} on {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    _check(_libc.syscall(ctypes.c_long(155 if os.uname().machine == "x86_64" else 41),
                         _b(new_root), _b(put_old)), f"pivot_root {new_root}")


def umount_detach(target: str) -> None:
    _check(_libc.umount2(_b(target), MNT_DETACH), f"umount {target}")


def _locked_flags(path: str) -> int:
    """Flags a bind remount must keep: in a user namespace, dropping nosuid/nodev/noexec/atime is EPERM."""
    f = os.statvfs(path).f_flag
    flags = 0
    for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
                   (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME)):
        if f & st:
            flags |= ms
    return flags


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes. (No codecs: after the first
    pivot_root the standard library is out of reach, so nothing may be imported lazily.)"""
    for escaped, plain in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escaped, plain)
    return field


def _mounts_under(target: str) -> list[str]:
    """Mount points at or below `target` (submounts a recursive bind brought along), from mountinfo."""
    found = []
    with open(MOUNTINFO) as info:
        for line in info:
            point = _unescape(line.split()[4])
            if point == target or point.startswith(target.rstrip("/") + "/"):
                found.append(point)
    return found


def bind_read_only(source: str, target: str, recursive: bool = True) -> None:
    mount(source, target, None, MS_BIND | (MS_REC if recursive else 0))
    for point in _mounts_under(target) if recursive else [target]:
        mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | _locked_flags(point))


def _mkdirs(path: str) -> None:
    os.makedirs(path, mode=0o755, exist_ok=True)


def _touch(path: str, mode: int = 0o644) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, mode))


def _system(new: str) -> None:
    for name in SYSTEM_DIRS:
        host = "/oldroot" + name
        if os.path.islink(host):  # merged /usr: /bin -> usr/bin
            os.symlink(os.readlink(host), new + name)
        elif os.path.isdir(host):
            _mkdirs(new + name)
            bind_read_only(host, new + name)


def _host_link_target(path: str) -> str | None:
    """Where a host path's chain of links ends, as a host path (absolute links point into the host's root,
    which is /oldroot now, so os.path.realpath cannot be used)."""
    for _ in range(40):
        full = "/oldroot" + path
        if not os.path.islink(full):
            return path if os.path.exists(full) else None
        link = os.readlink(full)
        path = os.path.normpath(link if link.startswith("/") else os.path.join(os.path.dirname(path), link))
    return None


def _resolver(new: str) -> None:
    """/etc/resolv.conf is often a link into /run (systemd-resolved), which the sandbox does not have:
    bring that one file along so names still resolve."""
    inside = _host_link_target("/etc/resolv.conf")
    if inside is None or inside == "/etc/resolv.conf" or any(inside.startswith(d + "/") for d in SYSTEM_DIRS):
        return
    _mkdirs(new + os.path.dirname(inside))
    _touch(new + inside)
    bind_read_only("/oldroot" + inside, new + inside, recursive=False)


def _accounts(new: str) -> None:
    """The host's passwd/group plus sbx_user1051, so getpwuid(993) and `~` resolve as on AWS."""
    for name, line in (("passwd", f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_GID}::/home/{SANDBOX_USER}:/sbin/nologin"),
                       ("group", f"{SANDBOX_USER}:x:{SANDBOX_GID}:")):
        host = f"/oldroot/etc/{name}"
        try:
            with open(host) as existing:
                text = existing.read()
        except OSError:
            continue
        ids = {entry.split(":")[2] for entry in text.splitlines() if entry.count(":") >= 3}
        if str(SANDBOX_UID if name == "passwd" else SANDBOX_GID) in ids:
            continue
        with open(f"/{name}", "w") as merged:
            merged.write(text.rstrip("\n") + "\n" + line + "\n")
        os.chmod(f"/{name}", 0o644)
        bind_read_only(f"/{name}", f"{new}/etc/{name}", recursive=False)


def _opt(new: str, layers: list[str]) -> None:
    """AWS extracts layers into /opt in order, a later one overwriting an earlier one's files."""
    _mkdirs(new + "/opt")
    if len(layers) == 1:
        bind_read_only("/oldroot" + layers[0], new + "/opt")
    elif layers:  # overlayfs lists the topmost lower layer first; without an upper layer it is read-only
        lower = ":".join("/oldroot" + layer for layer in reversed(layers))
        mount("overlay", new + "/opt", "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, f"lowerdir={lower}")


def _dev(new: str) -> None:
    _mkdirs(new + "/dev")
    mount("tmpfs", new + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k")
    for name in DEVICES:
        if os.path.exists("/oldroot/dev/" + name):
            _touch(f"{new}/dev/{name}")
            mount(f"/oldroot/dev/{name}", f"{new}/dev/{name}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{new}/dev/{name}")
    mount(None, new + "/dev", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC)


def build(layout: dict) -> None:
    """Assemble and enter the tree; afterwards "/" is the sandbox and nothing of the host is reachable."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we do propagates back to the host
    # The scaffold goes on /tmp; pivoting into it moves it away, so the host's /tmp (where a test's
    # state directory may live) is reachable again under /oldroot/tmp.
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    os.mkdir("/tmp/oldroot")
    os.mkdir("/tmp/newroot")
    pivot_root("/tmp", "/tmp/oldroot")
    os.chdir("/")
    new = "/newroot"
    mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    _mkdirs(new + "/proc")
    mount("proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)  # of our PID namespace
    _system(new)
    _resolver(new)
    _accounts(new)
    for inside, host in (("/var/task", layout["task"]), ("/var/runtime", layout["runtime"]),
                         ("/var/lang", layout["lang"])):
        _mkdirs(new + inside)
        if host:  # a custom runtime has no /var/lang (and an empty /var/runtime)
            bind_read_only("/oldroot" + host, new + inside)
    _opt(new, layout.get("layers") or [])
    _mkdirs(new + "/var/rapid")
    if layout.get("bootstrap"):
        with open("/oldroot" + layout["bootstrap"], "rb") as source, open(new + "/var/rapid/bootstrap.py", "wb") as copy:
            copy.write(source.read())
    _mkdirs(new + "/tmp")
    mount("tmpfs", new + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={int(layout['tmp_mb'])}m")
    _dev(new)
    if layout.get("template") == "1":
        os.mkdir(new + HOST_INSIDE, 0o700)
        mount("/oldroot", new + HOST_INSIDE, None, MS_BIND | MS_REC)
    mount(None, new, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)  # the root itself is read-only
    os.chdir(new)
    pivot_root(".", ".")  # pivot_root(2): the old root ends stacked on "/", and is detached next
    umount_detach(".")
    os.chdir("/")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def drop_privileges(mode: str) -> None:
    if mode == "root":
        os.setgroups([])
        os.setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID)
        os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)  # from 0: the kernel clears every capability
    else:
        # We are uid 0 of a namespace whose 0 is the server's user. A nested namespace maps 993 to it;
        # exec as a non-zero uid then clears the capabilities, and the mounts, owned by the outer
        # namespace, can no longer be changed from inside.
        _check(_libc.unshare(CLONE_NEWUSER), "unshare user namespace")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{SANDBOX_UID} 0 1")
        _write("/proc/self/gid_map", f"{SANDBOX_GID} 0 1")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl no_new_privs")  # setuid binaries stay inert


LIST_KEYS = ("layers", "argv")


def decode_layout(text: str) -> dict:
    layout: dict = {key: [] for key in LIST_KEYS}
    for line in text.split("\n"):
        key, _, value = line.partition("=")
        if key in LIST_KEYS:
            layout[key].append(value)
        elif key:
            layout[key] = value
    return layout


def main() -> None:
    layout = decode_layout(os.environ.pop("_LOCALCLOUD_SANDBOX"))
    # The server runs with umask 077 (its state is private); the tree built here must be traversable by
    # uid 993, and the function gets the usual 022.
    os.umask(0o022)
    try:
        build(layout)
        if layout.get("template") != "1":  # a template drops them in each environment it forks
            drop_privileges(layout["mode"])
        os.chdir(layout.get("cwd") or "/var/task")  # an image's WORKDIR, else Lambda's
        argv = layout["argv"]
        os.execve(argv[0], argv, dict(os.environ))
    except (SetupError, OSError) as exc:
        print(f"localcloud: could not set up the Lambda sandbox: {exc}. The function cannot start; "
              "set LOCALCLOUD_LAMBDA_SANDBOX=0 to run functions without it.", file=sys.stderr, flush=True)
        sys.exit(126)


if __name__ == "__main__":
    main()
