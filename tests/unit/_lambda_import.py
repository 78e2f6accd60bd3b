"""Import lambdas/<function>/<module>.py under a unique name: every function has its own core.py, and a
function's modules import each other by bare name (as in its zip), so its folder goes first on sys.path."""

import importlib
import importlib.util
import sys
from pathlib import Path

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"


SHARED = str(LAMBDAS / "shared")  # what `make build` adds to every zip


def shared(module: str):
    """lambdas/shared/pipeline_common/<module>.py, imported as the functions import it."""
    if SHARED not in sys.path:
        sys.path.append(SHARED)
    return importlib.import_module(f"pipeline_common.{module}")


def load(function: str, module: str = "core"):
    folder = str(LAMBDAS / function)
    if SHARED not in sys.path:
        sys.path.append(SHARED)
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
