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
}


def fill_gaps() -> None:
    import importlib

    from moto.core.responses import ActionResult

    for action, (target, answer, _why) in GAPS.items():
        module_name, class_name = target.split(":")
        response_class = getattr(importlib.import_module(module_name), class_name)
        if hasattr(response_class, action):
            continue  # a newer moto implements it: use moto's own answer

        def answered(self, _answer=answer):  # noqa: ANN001 - moto's dispatch calls it with the response only
            return ActionResult(dict(_answer))

        setattr(response_class, action, answered)


def main() -> None:
    fill_gaps()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
