"""Which zip each function and layer of a Terraform state is built from (localcloud dev's map)."""

from __future__ import annotations

import json

from localcloud.devloop.deployed import StateIndex


def _resource(kind: str, *attributes: dict) -> dict:
    return {"mode": "managed", "type": kind, "instances": [{"attributes": a} for a in attributes]}


def test_functions_and_layers_from_filename_or_from_the_s3_object_the_state_uploads(tmp_path):
    infra = tmp_path / "infra"
    infra.mkdir()
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps({"resources": [
        _resource("aws_lambda_function",
                  {"function_name": "direct", "filename": "../build/lambdas/direct.zip"},
                  {"function_name": "via-s3", "s3_bucket": "artifacts", "s3_key": "functions/via-s3-ab12.zip"}),
        _resource("aws_s3_object",
                  {"bucket": "artifacts", "key": "functions/via-s3-ab12.zip", "source": "../build/lambdas/via_s3.zip"},
                  {"bucket": "artifacts", "key": "layers/pyarrow-cd34.zip", "source": "../build/layers/pyarrow.zip"}),
        _resource("aws_lambda_layer_version",
                  {"layer_name": "pyarrow", "s3_bucket": "artifacts", "s3_key": "layers/pyarrow-cd34.zip"}),
        {"mode": "data", "type": "aws_lambda_function", "instances": [
            {"attributes": {"function_name": "read-only", "filename": "../build/lambdas/direct.zip"}}]},
    ]}))

    index = StateIndex.read(state, infra)

    build = (tmp_path / "build").resolve()
    assert index.functions == {build / "lambdas" / "direct.zip": {"direct"},
                               build / "lambdas" / "via_s3.zip": {"via-s3"}}
    assert index.layers == {build / "layers" / "pyarrow.zip": {"pyarrow"}}


def test_no_state_yet_maps_nothing(tmp_path):
    assert StateIndex.read(tmp_path / "missing.tfstate", tmp_path).functions == {}
