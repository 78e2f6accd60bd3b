"""Patches as data: what moto attribute, what we put there, and the shape of moto's original we wrote against.

A patch is checked before anything is installed: the attribute must exist (or, for an `add`, must not), a
function must still have the parameters we expect, a value the type. `apply` installs a whole list or
nothing, and raises MotoPatchError naming every patch that no longer fits (see the package docstring).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

_MISSING = object()


class MotoPatchError(RuntimeError):
    """A patch no longer fits the installed moto; the message names each patch, the attribute, what to do."""


@dataclass(frozen=True)
class Patch:
    group: str  # the module that declared it: moto_patches/<group>.py
    target: str  # "moto.s3.models:S3Backend" (module, then the object inside it; "moto.s3.notifications:")
    attribute: str  # "_set_delete_marker"
    build: Callable[[Any], Any] = field(compare=False)  # moto's original (None for an `add`) -> what we install
    signature: str | None  # moto's original's parameters, e.g. "(self, bucket_name, key_name)"; None: a value
    why: str
    kind: str = "function"  # "function" | "value" (signature is then the original's type name) | "add"

    @property
    def name(self) -> str:
        return f"{self.group}.{self.attribute}"

    @property
    def location(self) -> str:
        module, _, path = self.target.partition(":")
        return f"{module}.{path + '.' if path else ''}{self.attribute}"


class Patches(list):
    """The patches one module declares, in order. Decorators register and return the function unchanged."""

    def __init__(self, group: str) -> None:
        super().__init__()
        self.group = group

    def wrap(self, location: str, *, signature: str, why: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """`fn(original, *args, **kwargs)` runs instead of moto's function; it calls `original` itself.
        On a property, `fn(original_getter, self)` becomes the new getter; on a classmethod, `fn(original,
        cls, ...)` becomes the classmethod (its signature is the bound one, without cls)."""
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self._add(location, _wrapping(fn), signature, why or fn.__doc__ or "")
            return fn
        return register

    def replace(self, location: str, *, signature: str, why: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """`fn` takes the place of moto's function (or property getter) outright."""
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self._add(location, lambda original: property(fn) if isinstance(original, property) else fn,
                      signature, why or fn.__doc__ or "")
            return fn
        return register

    def build(self, location: str, *, signature: str | None = None, was: str | None = None,
              why: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """`fn(original)` returns what to install (a cached version, a value computed at apply time). Give
        `signature` when moto's original is a function, `was` (its type name) when it is a value."""
        if (signature is None) == (was is None):
            raise TypeError(f"{location}: give exactly one of signature= (a function) or was= (a value)")

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self._add(location, fn, signature or was, why or fn.__doc__ or "",
                      kind="function" if signature else "value")
            return fn
        return register

    def value(self, location: str, value: Any, *, was: str, why: str) -> None:
        """Set a module or class attribute that is not a function (a flag, a module moto uses); `was` is the
        type name of moto's own value ("bool", "module"), checked like a signature."""
        self._add(location, lambda original: value, was, why, kind="value")

    def add(self, location: str, *, why: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A function moto lacks (an API it does not implement). Fails once moto has its own: check then
        whether ours is still needed."""
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self._add(location, lambda original: fn, None, why or fn.__doc__ or "", kind="add")
            return fn
        return register

    def _add(self, location: str, build: Callable[[Any], Any], signature: str | None, why: str,
             kind: str = "function") -> None:
        module, _, path = location.partition(":")  # "moto.s3.models:S3Backend._set_delete_marker"
        owner, _, attribute = path.rpartition(".")
        target = f"{module}:{owner}"
        self.append(Patch(self.group, target, attribute, build, signature, " ".join(why.split()), kind))


def _wrapping(fn: Callable[..., Any]) -> Callable[[Any], Any]:
    def build(original: Any) -> Any:
        if isinstance(original, property):
            getter = original.fget
            return property(functools.wraps(getter)(lambda self: fn(getter, self)))

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn(original, *args, **kwargs)

        return wrapper
    return build


def shape(value: Any) -> str:
    """A function's parameters without annotations ("(self, bucket_name, key_name)"): what a patch relies
    on. Annotations change with moto's typing work and do not matter to us."""
    function = value.fget if isinstance(value, property) else value
    signature = inspect.signature(function)
    return str(signature.replace(parameters=[p.replace(annotation=inspect.Parameter.empty)
                                             for p in signature.parameters.values()],
                                 return_annotation=inspect.Signature.empty))


def owner_of(patch: Patch) -> Any:
    module_name, _, path = patch.target.partition(":")
    owner: Any = importlib.import_module(module_name)
    for part in filter(None, path.split(".")):
        owner = getattr(owner, part)
    return owner


def problem(patch: Patch) -> str | None:
    """Why `patch` cannot be applied to the installed moto, or None when it fits."""
    try:
        owner = owner_of(patch)
    except (ImportError, AttributeError) as exc:
        return f"{patch.target} is gone ({type(exc).__name__}: {exc})"
    if (patch.target, patch.attribute) in _applied:  # judge moto's own attribute, not ours
        original = _applied[(patch.target, patch.attribute)][1]
        original = _MISSING if original is None and patch.kind == "add" else original
    else:
        original = inspect.getattr_static(owner, patch.attribute, _MISSING)
    if patch.kind == "add":
        return None if original is _MISSING else "moto now has this attribute itself"
    if original is _MISSING:
        return "moto no longer has this attribute"
    if patch.kind == "value":
        found = type(original).__name__
        return None if found == patch.signature else f"moto's value is a {found}, not a {patch.signature}"
    if isinstance(original, (classmethod, staticmethod)):
        original = original.__get__(None, owner)  # as moto calls it: cls bound
    elif not isinstance(original, property) and (patch.target, patch.attribute) not in _applied:
        original = getattr(owner, patch.attribute)  # as moto calls it (bound for instance attributes)
    try:
        found = shape(original)
    except (TypeError, ValueError):
        return f"moto's attribute is a {type(original).__name__}, not a function"
    return None if found == patch.signature else f"its parameters are now {found}, not {patch.signature}"


def _error(broken: list[tuple[Patch, str]]) -> MotoPatchError:
    from importlib.metadata import version

    lines = [f"localcloud cannot change moto {version('moto')} the way it needs to; nothing was started:"]
    for patch, reason in broken:
        lines.append(f"  - patch {patch.name} on {patch.location}: {reason}. "
                     f"(It exists because: {patch.why or 'see its module'})")
    lines.append("What to do: install the moto that constraints.txt pins (`make install`), or update "
                 "services/localcloud/moto_patches/<group>.py to this moto and run "
                 "tests/unit/test_moto_patch_contract.py.")
    return MotoPatchError("\n".join(lines))


_lock = threading.Lock()
_applied: dict[tuple[str, str], tuple[Patch, Any]] = {}  # (target, attribute) -> (patch, moto's original)


def apply(patches: Iterable[Patch]) -> list[Patch]:
    """Install every patch not yet installed, or none of them: all are checked first. Returns those installed."""
    with _lock:
        pending = [p for p in patches if (p.target, p.attribute) not in _applied]
        broken = [(p, reason) for p in pending if (reason := problem(p)) is not None]
        if broken:
            raise _error(broken)
        for patch in pending:
            owner = owner_of(patch)
            original = inspect.getattr_static(owner, patch.attribute, None)
            if isinstance(original, (classmethod, staticmethod)):  # ours gets the function, and is one too
                _applied[(patch.target, patch.attribute)] = (patch, original)
                setattr(owner, patch.attribute, type(original)(patch.build(original.__func__)))
                continue
            if original is not None and not isinstance(original, property):
                original = getattr(owner, patch.attribute)
            _applied[(patch.target, patch.attribute)] = (patch, original)
            setattr(owner, patch.attribute, patch.build(original))
        return pending


def applied() -> list[Patch]:
    with _lock:
        return [patch for patch, _ in _applied.values()]


def original_of(patch: Patch) -> Any:
    """moto's own attribute that `patch` replaces, applied or not (tests compare against moto's behaviour)."""
    with _lock:
        found = _applied.get((patch.target, patch.attribute))
    return found[1] if found is not None else getattr(owner_of(patch), patch.attribute)
