"""The rehearsal's stand-in process: moto's own server, plus answers for the calls moto does not implement
that the hashicorp/aws provider makes on the way to creating a resource.

Each gap is listed in GAPS and printed by the rehearsal ("not rehearsed: ..."): the answer accepts the
request and checks nothing, so what it stands for is not rehearsed. Everything else is moto, unchanged.
This module runs only inside the stand-in process (`python -m localcloud.deploy.stand_in_server`); it
imports nothing else of localcloud, so the rehearsal never grades itself.
"""

from __future__ import annotations

import sys

# moto action -> (service response class path, what the stand-in answers, why the provider calls it)
GAPS = {
    "validate_state_machine_definition": (
        "moto.stepfunctions.responses:StepFunctionResponse", {"result": "OK", "diagnostics": []},
        "Step Functions definitions are not validated: moto lacks ValidateStateMachineDefinition, which the "
        "provider calls before CreateStateMachine; the stand-in answers OK"),
    "list_state_machine_versions": (
        "moto.stepfunctions.responses:StepFunctionResponse", {"stateMachineVersions": []},
        "Step Functions versions are not listed: moto lacks ListStateMachineVersions, which the provider "
        "reads after creating a state machine; the stand-in answers none (the stack publishes none)"),
}


# moto defects that would stop the provider, corrected in the stand-in only (each printed by the rehearsal).
CORRECTIONS = {
    "unique_dbi_resource_ids": "moto gives every DB instance the same DbiResourceId, and the provider reads "
                               "instances by it; the stand-in gives each its own, as AWS does",
}


def unique_dbi_resource_ids() -> None:
    import uuid

    from moto.rds.models import DBInstance

    original_init = DBInstance.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + uuid.uuid4().hex[:26].upper()

    DBInstance.__init__ = __init__


def fill_gaps() -> None:
    import importlib

    from moto.core.responses import ActionResult

    for action, (target, answer, _why) in GAPS.items():
        module_name, class_name = target.split(":")
        response_class = getattr(importlib.import_module(module_name), class_name)
        if hasattr(response_class, action):
            continue  # a newer moto implements it: use moto's own answer

        def answered(self, _answer=answer):
            return ActionResult(dict(_answer))

        setattr(response_class, action, answered)


def main() -> None:
    fill_gaps()
    unique_dbi_resource_ids()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
