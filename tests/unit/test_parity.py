"""The pipeline code ships to AWS unchanged: nothing under lambdas/ or infra/tflocal/ may know it is local."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = re.compile(r"localhost|127\.0\.0\.1|\b4566\b|localstack|localcloud|emulator|\bmoto\b|"
                       r"stage\s*==\s*['\"]local|['\"]local['\"]", re.IGNORECASE)


def _pipeline_files() -> list[Path]:
    files = [p for p in (ROOT / "lambdas").rglob("*") if p.is_file() and p.suffix in (".py", ".txt", ".json")
             and "__pycache__" not in p.parts]
    tf_files = [p for p in (ROOT / "infra" / "tflocal").rglob("*.tf") if ".terraform" not in p.parts]  # modules/ too
    return files + sorted(tf_files)


def test_no_pipeline_file_mentions_the_local_cloud():
    offenders = []
    for path in _pipeline_files():
        if path.name.endswith("override.tf"):  # generated during a local run, removed after it
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if FORBIDDEN.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "pipeline code must not know it is local:\n" + "\n".join(offenders)


def test_the_parity_check_would_catch_a_local_branch(tmp_path):
    assert FORBIDDEN.search('endpoint_url = "http://localhost:4566"')
    assert FORBIDDEN.search('if STAGE == "local":')
    assert not FORBIDDEN.search('endpoint = os.environ.get("AWS_REGION")')
