"""Every moto patch still fits the installed moto: its attribute exists, with the parameters we wrote it
against. A moto upgrade that moves or reshapes a patched name fails here, by name, in `make test`."""

from __future__ import annotations

import sys
import types

import pytest
from localcloud import moto_adapter, moto_patches
from localcloud.moto_patches import MotoPatchError, Patches, registry

PATCHES = moto_patches.all_patches()


@pytest.mark.parametrize("patch", PATCHES, ids=[f"{p.name}@{p.location}" for p in PATCHES])
def test_patch_fits_the_installed_moto(patch):
    assert registry.problem(patch) is None, f"{patch.name} on {patch.location}: {registry.problem(patch)}"


def test_every_patch_says_why_and_function_patches_name_their_parameters():
    for patch in PATCHES:
        assert patch.why, f"{patch.name} has no docstring or why= saying why it exists"
        if patch.kind == "function":
            assert patch.signature and patch.signature.startswith("("), patch.name
    assert len({(p.target, p.attribute) for p in PATCHES}) == len(PATCHES), "two patches on one attribute"


def test_apply_all_installs_every_patch_once():
    moto_patches.apply_all()
    moto_patches.apply_all()  # idempotent: a second call installs nothing again
    for patch in PATCHES:
        installed = registry.inspect.getattr_static(registry.owner_of(patch), patch.attribute)
        original = registry.original_of(patch)
        assert installed is not original, f"{patch.name} is not in place on {patch.location}"


def test_a_patch_on_an_attribute_moto_no_longer_has_fails_naming_it():
    patches = Patches("contract")
    patches.wrap("moto.kinesis.models:Shard.get_sequence_number_that_moto_renamed", signature="(self)")(
        lambda original, self: original(self))
    with pytest.raises(MotoPatchError) as failure:
        moto_patches.apply(patches)
    message = str(failure.value)
    assert "contract.get_sequence_number_that_moto_renamed" in message
    assert "moto.kinesis.models.Shard.get_sequence_number_that_moto_renamed" in message
    assert "moto no longer has this attribute" in message and "make install" in message


@pytest.fixture
def fake_moto_module(monkeypatch):
    module = types.ModuleType("fake_moto_models")
    module.kept = lambda a, b: (a, b)
    module.changed = lambda a, b, c=None: (a, b, c)  # "moto" added a parameter
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_a_changed_signature_fails_and_installs_nothing(fake_moto_module):
    kept, changed = fake_moto_module.kept, fake_moto_module.changed
    patches = Patches("contract")
    patches.replace("fake_moto_models:kept", signature="(a, b)")(lambda a, b: "ours")
    patches.replace("fake_moto_models:changed", signature="(a, b)")(lambda a, b: "ours")
    with pytest.raises(MotoPatchError, match=r"contract.changed .*parameters are now \(a, b, c=None\), not \(a, b\)"):
        moto_patches.apply(patches)
    assert fake_moto_module.kept is kept and fake_moto_module.changed is changed  # all or nothing


def test_an_added_function_fails_once_moto_has_its_own(fake_moto_module):
    patches = Patches("contract")
    patches.add("fake_moto_models:kept", why="moto lacked it")(lambda a, b: "ours")
    with pytest.raises(MotoPatchError, match="moto now has this attribute itself"):
        moto_patches.apply(patches)


def test_a_value_of_another_type_fails(fake_moto_module):
    patches = Patches("contract")
    patches.value("fake_moto_models:kept", True, was="bool", why="a flag")
    with pytest.raises(MotoPatchError, match="moto's value is a function, not a bool"):
        moto_patches.apply(patches)


@pytest.mark.parametrize("name", [*moto_adapter.BACKENDS, *moto_adapter.NAMES])
def test_every_name_the_adapter_offers_is_in_moto(name):
    """Model access outside the patches goes through localcloud.moto_adapter; each of its names still
    resolves in the installed moto (a BackendDict for the backends)."""
    from moto.core.base_backend import BackendDict

    value = getattr(moto_adapter, name)
    if name in moto_adapter.BACKENDS:
        assert isinstance(value, BackendDict), name


def test_the_adapter_refuses_a_name_it_does_not_list():
    with pytest.raises(AttributeError, match="add it to BACKENDS or NAMES"):
        moto_adapter.sqs_backendz  # noqa: B018


def test_a_classmethod_patch_stays_a_classmethod():
    """CloudFormation's AWS::StepFunctions::StateMachine with a Definition object and substitutions
    (moto_patches/stepfunctions.py), called as moto calls it: on the class."""
    moto_patches.apply_all()
    from moto.stepfunctions.models import StateMachine

    machine = StateMachine.create_from_cloudformation_json(
        "machine", {"Properties": {"StateMachineName": "m", "RoleArn": "arn:aws:iam::123456789012:role/r",
                                   "Definition": {"StartAt": "${first}", "States": {"A": {"Type": "Succeed"}}},
                                   "DefinitionSubstitutions": {"first": "A"}}},
        "123456789012", "us-east-1")
    assert '"StartAt": "A"' in machine.definition
