"""AWS::StepFunctions::StateMachine with `Definition` (an object) and `DefinitionSubstitutions`.

CloudFormation takes the definition as a JSON string (DefinitionString) or as an object (Definition), and
replaces ${name} placeholders from DefinitionSubstitutions in either
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-stepfunctions-statemachine.html).
moto reads DefinitionString only: a template with Definition created a machine with an empty definition,
which its interpreter refused with a JSON error inside a CloudFormation (XML) answer.
Target: moto.stepfunctions.models.StateMachine.create_from_cloudformation_json.
"""

from __future__ import annotations

import json
from typing import Any

TARGET = "moto.stepfunctions.models.StateMachine.create_from_cloudformation_json"
_applied = False


def definition_string(properties: dict[str, Any]) -> str:
    definition = properties.get("DefinitionString")
    if definition is None and properties.get("Definition") is not None:
        definition = json.dumps(properties["Definition"])
    definition = definition or ""
    for name, value in (properties.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace("${" + name + "}", str(value))
    return definition


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.stepfunctions.models import StateMachine

    original = StateMachine.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        properties = dict(cloudformation_json.get("Properties") or {})
        properties["DefinitionString"] = definition_string(properties)
        return original(cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id,
                        region_name, **kwargs)

    StateMachine.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    _applied = True
