"""Lambda zips: same inputs give the same bytes; shared code rides along; unchanged inputs are not rebuilt."""

import zipfile
from pathlib import Path

from localcloud.packaging import build_all, build_function


def _function(root: Path, name: str, body: str) -> Path:
    folder = root / name
    (folder / "events").mkdir(parents=True)
    (folder / "handler.py").write_text(body)
    (folder / "events" / "sample.json").write_text("{}")  # test events stay out of the zip
    return folder


def test_zips_are_deterministic_and_carry_the_shared_package(tmp_path):
    source = tmp_path / "lambdas"
    function = _function(source, "fn", "from pipeline_common.log import say\n")
    (source / "shared" / "pipeline_common").mkdir(parents=True)
    (source / "shared" / "pipeline_common" / "log.py").write_text("def say(): pass\n")
    first, rebuilt = build_function(function, tmp_path / "out1")
    second, _ = build_function(function, tmp_path / "out2")
    assert rebuilt
    assert first.read_bytes() == second.read_bytes()
    assert sorted(zipfile.ZipFile(first).namelist()) == ["handler.py", "pipeline_common/log.py"]


def test_unchanged_inputs_are_not_rebuilt_and_a_shared_change_rebuilds(tmp_path):
    source = tmp_path / "lambdas"
    _function(source, "fn", "x = 1\n")
    (source / "shared").mkdir()
    (source / "shared" / "common.py").write_text("a = 1\n")
    lines: list[str] = []
    build_all(source, tmp_path / "build", report=lines.append)
    build_all(source, tmp_path / "build", report=lines.append)
    (source / "shared" / "common.py").write_text("a = 2\n")
    build_all(source, tmp_path / "build", report=lines.append)
    assert [line.split()[1] for line in lines] == ["built", "up", "built"]


def test_a_rebuild_that_reuses_unchanged_entries_gives_the_bytes_of_a_fresh_build(tmp_path):
    source = tmp_path / "lambdas"
    function = _function(source, "fn", "x = 1\n")
    (function / "big.py").write_text("# wheels stand-in\n" + "VALUE = 'a' * 80  # padding\n" * 5000)
    build_function(function, tmp_path / "incremental")
    (function / "handler.py").write_text("x = 2\n")
    rebuilt, _ = build_function(function, tmp_path / "incremental")  # big.py's compressed data is reused
    fresh, _ = build_function(function, tmp_path / "fresh")
    assert rebuilt.read_bytes() == fresh.read_bytes()
    with zipfile.ZipFile(rebuilt) as archive:
        assert archive.testzip() is None
        assert archive.read("handler.py") == b"x = 2\n"
