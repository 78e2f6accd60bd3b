"""Terraform conformance: the whole resource set applies, re-plans with no changes, and destroys cleanly.

Against a local cloud of its own (free port in 4580-4599, fresh state dir), through the same runner as
`localcloud terraform`. Needs `terraform` (or `tofu`) and the AWS provider, from the registry or from the
mirror named by LOCALCLOUD_TF_PLUGIN_MIRROR.

    LOCALCLOUD_TF_PLUGIN_MIRROR=/opt/tf-plugins .venv/bin/pytest -m integration tests/conformance -s
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from lambda_packages import build_packages
from leftovers import leftovers
from local_cloud import client, push_an_image, running_local_cloud
from localcloud.terraform.runner import TerraformRunner

pytestmark = pytest.mark.integration

CONFIG = Path(__file__).parent / "terraform"


@pytest.mark.skipif(not (shutil.which("terraform") or shutil.which("tofu")), reason="needs terraform or tofu")
def test_apply_replan_destroy(tmp_path: Path) -> None:
    prefix = "lc" + uuid.uuid4().hex[:6]  # every resource name starts with it; see leftovers()
    variables = {"name": prefix, **build_packages(tmp_path / "packages")}
    with running_local_cloud(tmp_path / "state") as endpoint:
        runner = TerraformRunner(CONFIG, "conformance", tmp_path / "state", endpoint, variables=variables)

        runner.apply()
        outputs = runner.outputs()
        assert outputs["raw_bucket"] == f"{prefix}-raw"
        # The provider builds an execute-api URL that only resolves on AWS; outputs point at the endpoint.
        assert outputs["api_url"].startswith(f"{endpoint}/restapis/")
        assert outputs["api_url"].endswith("/v1/_user_request_")
        key_ids = [k["KeyId"] for k in client(endpoint, "kms").list_keys()["Keys"]]
        created = leftovers(endpoint, prefix, key_ids)
        missing = [kind for kind, names in created.items() if not names and kind != "sns subscriptions"]
        assert missing == [], f"apply reported success, but these were not found afterwards: {missing}"

        push_an_image(endpoint, outputs["image_repository_url"])  # images are not Terraform's: no diff

        plan = runner.plan()
        assert plan.exit_code == 0, (
            "a re-plan right after apply wants changes, so the local cloud returns something other than "
            "what was applied:\n" + "\n".join(plan.changes) + "\n\n" + plan.output[-6000:])

        runner.destroy()
        left = {kind: names for kind, names in leftovers(endpoint, prefix, key_ids).items() if names}
        assert left == {}, f"terraform destroy succeeded, but these still exist: {left}"
