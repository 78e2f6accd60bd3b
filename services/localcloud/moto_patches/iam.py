"""moto.iam: finding a request's account without building IAM backends nobody uses.

moto finds the account of every request's access key by looking in the IAM backend of every partition of
every account (`moto.iam.models.get_account_id_from`), and looking creates those backends: once any IAM
state exists, the next request to any service built five IAM backends for partitions nobody uses (aws-cn,
aws-us-gov, aws-iso, aws-iso-b, aws-eusc), each with AWS's ~1,600 managed policies - 3 s measured on an idle
machine, paid by that request - and every snapshot then saved them and every restart rebuilt them.
"""

from __future__ import annotations

from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("iam")


@PATCHES.replace("moto.iam.models:get_account_id_from", signature="(access_key)")
def get_account_id_from(access_key: str) -> str:
    """Look only in IAM backends that exist: a partition without a backend holds no access keys, so the
    answer is moto's, without creating five backends of managed policies (moto.core.responses looks the
    function up at each call, so replacing the module attribute is enough)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import PARTITION_NAMES, iam_backends

    for account_id, account in list(iam_backends.items()):
        for partition in PARTITION_NAMES:
            backend = dict.get(account, partition)  # not account[partition], which creates it
            if backend is not None and access_key in backend.access_keys:
                return account_id
    return DEFAULT_ACCOUNT_ID


def _simulate(response: Any, decide: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.iam.exceptions import InvalidInput, NoSuchEntity

    from localcloud.iam import simulation

    params = {name: response._get_param(name) for name in (
        "PolicySourceArn", "PolicyInputList", "PermissionsBoundaryPolicyInputList", "ActionNames", "ResourceArns",
        "ResourcePolicy", "ResourceOwner", "CallerArn", "ContextEntries")}
    try:
        results = decide(params, response.current_account)
    except simulation.NoSuchEntity as exc:
        raise NoSuchEntity(str(exc)) from None
    except simulation.SimulationInputError as exc:
        raise InvalidInput(str(exc)) from None
    return ActionResult(simulation.as_response(results))


@PATCHES.add("moto.iam.responses:IamResponse.simulate_principal_policy")
def simulate_principal_policy(self: Any) -> Any:
    """IAM's policy simulator, which moto lacks, decided by localcloud's evaluator (localcloud.iam.simulation),
    so a simulated decision and a real call's decision cannot differ."""
    from localcloud.iam import simulation

    return _simulate(self, simulation.principal_policy)


@PATCHES.add("moto.iam.responses:IamResponse.simulate_custom_policy")
def simulate_custom_policy(self: Any) -> Any:
    """SimulateCustomPolicy: the same, for policies given in the request."""
    from localcloud.iam import simulation

    return _simulate(self, simulation.custom_policy)


@PATCHES.wrap("moto.iam.responses:IamResponse.create_role", signature="(self)")
def create_role(original: Any, self: Any) -> Any:
    """CreateRole checks its trust policy as IAM does (moto checks it only in UpdateAssumeRolePolicy): invalid
    JSON is IAM's "This policy contains invalid Json" (recorded against AWS, LocalStack's
    test_create_role_with_malformed_assume_role_policy_document); other faults moto's trust-policy validator's
    MalformedPolicyDocument. Only requests are checked: moto's own calls (restore, CloudFormation) are not."""
    import json

    from moto.iam.exceptions import MalformedPolicyDocument
    from moto.iam.policy_validation import IAMTrustPolicyDocumentValidator

    document = self._get_param("AssumeRolePolicyDocument")
    if isinstance(document, str):
        try:
            json.loads(document)
        except ValueError:
            raise MalformedPolicyDocument("This policy contains invalid Json") from None
        IAMTrustPolicyDocumentValidator(document).validate()
    return original(self)


def _set_user_boundary(response: Any, user_name: str, arn: str | None) -> None:
    from moto.iam.exceptions import IAMException  # what moto's IAM raises for InvalidParameterValue

    backend = response.backend
    if arn and not backend.policy_arn_regex.match(arn):
        raise IAMException("InvalidParameterValue", f"Value ({arn}) for parameter PermissionsBoundary is invalid.")
    user = backend.get_user(user_name)
    user.permissions_boundary_arn = arn or None
    # GetUser's PermissionsBoundary member, read from the object by moto's serializer
    user.permissions_boundary = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn} if arn else None


@PATCHES.wrap("moto.iam.responses:IamResponse.create_user", signature="(self)")
def create_user(original: Any, self: Any) -> Any:
    """CreateUser's PermissionsBoundary, which moto ignores: a user's boundary caps its identity policies as a
    role's does (IAM User Guide, "Permissions boundaries for IAM entities")."""
    result = original(self)
    boundary = self._get_param("PermissionsBoundary")
    if boundary:
        _set_user_boundary(self, self._get_param("UserName"), boundary)
    return result


@PATCHES.add("moto.iam.responses:IamResponse.put_user_permissions_boundary")
def put_user_permissions_boundary(self: Any) -> Any:
    """PutUserPermissionsBoundary, which moto lacks."""
    from moto.core.responses import EmptyResult

    _set_user_boundary(self, self._get_param("UserName"), self._get_param("PermissionsBoundary"))
    return EmptyResult()


@PATCHES.add("moto.iam.responses:IamResponse.delete_user_permissions_boundary")
def delete_user_permissions_boundary(self: Any) -> Any:
    """DeleteUserPermissionsBoundary, which moto lacks."""
    from moto.core.responses import EmptyResult

    _set_user_boundary(self, self._get_param("UserName"), None)
    return EmptyResult()
