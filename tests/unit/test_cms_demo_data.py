"""The CMS fixture's demo data: the seeder's expected row count is the generator's."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _demo_data():
    path = Path(__file__).resolve().parents[2] / "fixtures" / "cms_api" / "demo_data.py"
    spec = importlib.util.spec_from_file_location("cms_demo_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_record_count_is_what_the_generator_makes():
    demo_data = _demo_data()
    assert len(demo_data.records()) == demo_data.RECORD_COUNT
