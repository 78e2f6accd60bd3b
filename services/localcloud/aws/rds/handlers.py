"""RDS operations that touch a real engine: moto answers the API, we run the server behind it.

Only DB instances of engines we can run (postgres, mysql, mariadb) and not in an Aurora cluster are ours;
every other request goes to moto unchanged.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from localcloud.aws.rds import models
from localcloud.aws.rds.instances import ENGINE_CLASSES, InstanceManager
from localcloud.aws.registry import handles
from localcloud.host import find
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest


def _manager() -> InstanceManager | None:
    """The app's instance manager (aws/rds/__init__.py installs it), None outside the server."""
    return find("rds")


def _truthy(value: str | None) -> bool:
    return (value or "").lower() == "true"


def _rewrite(request: AwsRequest, changes: dict[str, str]) -> bytes:
    pairs = [(k, v) for k, v in parse_qsl(request.body.decode(), keep_blank_values=True) if k not in changes]
    return urlencode([*pairs, *changes.items()]).encode()


def _with_status(answer, status: str):
    """moto rendered `available` while we already moved the instance on; AWS answers the transitional
    status. The body changes length, so moto's Content-Length must go (the front adds the right one)."""
    body = answer.body.replace(b"<DBInstanceStatus>available</DBInstanceStatus>",
                               f"<DBInstanceStatus>{status}</DBInstanceStatus>".encode(), 1)
    return answer.status, [(k, v) for k, v in answer.headers if k.lower() != "content-length"], body


def _invalid(message: str, code: str = "InvalidParameterValue"):
    return aws_error("rds", 400, code, message)


def _unique_resource_id(request: AwsRequest, instance_id: str, answer):
    """moto gives every instance the same DbiResourceId; the Terraform AWS provider (v5.x) reads instances
    back by a `dbi-resource-id` filter and fails with "couldn't find resource" when two share it."""
    record = models.find(request.account_id, request.region, instance_id)
    if record is None:
        return answer.status, answer.headers, answer.body
    old, record.dbi_resource_id = record.dbi_resource_id, models.new_resource_id()
    body = answer.body.replace(old.encode(), record.dbi_resource_id.encode())
    return answer.status, [(k, v) for k, v in answer.headers if k.lower() != "content-length"], body


@handles("rds", "CreateDBInstance")
def create_db_instance(request: AwsRequest):
    form = request.form()
    engine = form.get("Engine", "").lower()
    if _manager() is None:
        return None
    if engine not in ENGINE_CLASSES or form.get("DBClusterIdentifier"):
        answer = request.to_moto()
        if answer.status != 200:
            return answer.status, answer.headers, answer.body
        return _unique_resource_id(request, form.get("DBInstanceIdentifier", "").lower(), answer)
    models.prepare(set(ENGINE_CLASSES))
    managed = _truthy(form.get("ManageMasterUserPassword"))
    # AWS's own messages for the two parameters every non-Aurora engine needs.
    if not form.get("MasterUsername"):
        return _invalid("The parameter MasterUsername must be provided and must not be blank.")
    if not managed and not form.get("MasterUserPassword"):
        return _invalid("The parameter MasterUserPassword must be provided and must not be blank.")
    if managed and form.get("MasterUserPassword"):
        return _invalid("You can't specify MasterUserPassword when ManageMasterUserPassword is turned on.",
                        "InvalidParameterCombination")
    instance_id = form["DBInstanceIdentifier"].lower()
    if _manager().entry(instance_id) is not None and models.find(request.account_id, request.region,
                                                               instance_id) is None:
        _manager().delete(instance_id)  # a registry leftover whose moto record is gone: start clean
    port = _manager().pick_port(engine, int(form["Port"]) if form.get("Port") else None)
    answer = request.to_moto(_rewrite(request, {"Port": str(port)}))
    if answer.status != 200:
        return answer.status, answer.headers, answer.body
    username = form["MasterUsername"]
    password = (models.store_managed_secret(request.account_id, request.region, instance_id, username)
                if managed else form["MasterUserPassword"])
    models.set_status(request.account_id, request.region, instance_id, "creating")
    status, headers, body = _unique_resource_id(request, instance_id, answer)
    answer = type(answer)(status, headers, body)
    _manager().create({
        "id": instance_id, "engine": engine, "engine_version": form.get("EngineVersion"),
        "account_id": request.account_id, "region": request.region, "port": port,
        "username": username, "password": password, "db_name": form.get("DBName"),
        "instance_class": form.get("DBInstanceClass"), "allocated_storage": form.get("AllocatedStorage"),
        "deletion_protection": _truthy(form.get("DeletionProtection")), "stopped": False,
    })
    return _with_status(answer, "creating")


def _ours(request: AwsRequest) -> str | None:
    instance_id = request.form().get("DBInstanceIdentifier", "").lower()
    if _manager() is None or _manager().entry(instance_id) is None:
        return None
    return instance_id


@handles("rds", "DeleteDBInstance")
def delete_db_instance(request: AwsRequest):
    form = request.form()
    skip, final = _truthy(form.get("SkipFinalSnapshot")), form.get("FinalDBSnapshotIdentifier")
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html: a final snapshot
    # is taken unless SkipFinalSnapshot is true, and then it needs a name; both together are an error.
    # moto accepts either omission silently, which hides a destroy that fails on AWS.
    if not skip and not final:
        return _invalid("FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.",
                        "InvalidParameterCombination")
    if skip and final:
        return _invalid("Cannot specify both FinalDBSnapshotIdentifier and SkipFinalSnapshot.",
                        "InvalidParameterCombination")
    instance_id = _ours(request)
    answer = request.to_moto()
    if answer.status == 200 and instance_id is not None:
        _manager().delete(instance_id)  # type: ignore[union-attr]
    return answer.status, answer.headers, answer.body


@handles("rds", "StopDBInstance")
def stop_db_instance(request: AwsRequest):
    instance_id = _ours(request)
    answer = request.to_moto()
    if answer.status == 200 and instance_id is not None:
        _manager().stop(instance_id)  # type: ignore[union-attr]
    return answer.status, answer.headers, answer.body


@handles("rds", "StartDBInstance")
def start_db_instance(request: AwsRequest):
    instance_id = _ours(request)
    answer = request.to_moto()
    if answer.status == 200 and instance_id is not None:
        _manager().start(instance_id)  # type: ignore[union-attr]
        return _with_status(answer, "starting")
    return answer.status, answer.headers, answer.body


@handles("rds", "RebootDBInstance")
def reboot_db_instance(request: AwsRequest):
    instance_id = _ours(request)
    if instance_id is not None:
        record = models.find(request.account_id, request.region, instance_id)
        if record is not None and record.status != "available":
            return aws_error("rds", 400, "InvalidDBInstanceState",
                             f"DB instance {instance_id} is not in the available state ({record.status}); "
                             "only an available instance can be rebooted.")
    answer = request.to_moto()
    if answer.status == 200 and instance_id is not None:
        _manager().reboot(instance_id)  # type: ignore[union-attr]
        return _with_status(answer, "rebooting")
    return answer.status, answer.headers, answer.body


@handles("rds", "ModifyDBInstance")
def modify_db_instance(request: AwsRequest):
    instance_id = _ours(request)
    if instance_id is None:
        return None
    form = request.form()
    entry = _manager().entry(instance_id)  # type: ignore[union-attr]
    if form.get("NewDBInstanceIdentifier"):
        # Renaming would move the data directory; rare in pipelines, so refused before anything changes.
        return aws_error("rds", 400, "InvalidParameterCombination",
                         "localcloud does not rename DB instances backed by a local engine yet. Nothing was "
                         "changed; create a new instance under the new name instead.")
    new_port = int(form["DBPortNumber"]) if form.get("DBPortNumber") else None
    if new_port is not None and new_port != entry["port"]:  # type: ignore[index]
        new_port = _manager().pick_port(entry["engine"], new_port)  # type: ignore[union-attr,index]
        answer = request.to_moto(_rewrite(request, {"DBPortNumber": str(new_port)}))
    else:
        answer = request.to_moto()
    if answer.status != 200:
        return answer.status, answer.headers, answer.body
    if _truthy(form.get("ManageMasterUserPassword")) or _truthy(form.get("RotateMasterUserPassword")):
        password = models.store_managed_secret(request.account_id, request.region, instance_id,
                                               entry["username"])  # type: ignore[index]
        if password:
            _manager().change_password(instance_id, password)  # type: ignore[union-attr]
    elif form.get("MasterUserPassword"):
        _manager().change_password(instance_id, form["MasterUserPassword"])  # type: ignore[union-attr]
    if new_port is not None and new_port != entry["port"]:  # type: ignore[index]
        _manager().change_port(instance_id, new_port)  # type: ignore[union-attr]
    if "DeletionProtection" in form:
        entry["deletion_protection"] = _truthy(form["DeletionProtection"])  # type: ignore[index]
    return answer.status, answer.headers, answer.body
