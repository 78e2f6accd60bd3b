"""After the pipeline tests of the session (this module sorts after every test_pipeline_* module): no
operation a pipeline called went unevaluated for want of an action mapping (issue 16: an unmapped
operation is allowed in enforce mode with a warning and counted in `localcloud iam report`).

Measured when this was written: the six pipeline modules made 463 evaluated calls as their roles, 3 denied
(the enforcement-bites tests), 0 unmapped."""

from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.localcloud_only]  # reads the local cloud's IAM report


def test_no_pipeline_operation_is_unmapped(localcloud_stack):
    with urllib.request.urlopen(f"{localcloud_stack.endpoint}/_localcloud/iam", timeout=30) as answer:
        report = json.loads(answer.read())
    assert report["mode"] == "enforce"
    assert report["unmapped"] == {}, ("operations allowed without evaluation (add their mapping in "
                                      f"localcloud/iam/actions.py or identifiers.py): {report['unmapped']}")
