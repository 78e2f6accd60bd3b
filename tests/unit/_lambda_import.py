"""Import lambdas/<function>/<module>.py under a unique name: every function has its own core.py, and a
function's modules import each other by bare name (as in its zip), so its folder goes first on sys.path."""

import importlib.util
import sys
from pathlib import Path

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"


def load(function: str, module: str = "core"):
    folder = str(LAMBDAS / function)
    shared = str(LAMBDAS / "shared")  # what `make build` adds to every zip
    if shared not in sys.path:
        sys.path.append(shared)
    sys.path.insert(0, folder)
    try:
        # Sibling modules (cleaning, keys, ...) must come from this function, not from one loaded earlier.
        for name in [n for n, m in sys.modules.items()
                     if getattr(m, "__file__", None) and str(LAMBDAS) in str(m.__file__) and "." not in n]:
            del sys.modules[name]
        spec = importlib.util.spec_from_file_location(f"{function}_{module}", LAMBDAS / function / f"{module}.py")
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = loaded
        spec.loader.exec_module(loaded)
        return loaded
    finally:
        sys.path.remove(folder)
