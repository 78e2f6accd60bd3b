"""aws_db_instance through the real Terraform: real Postgres and MySQL servers, reached with the endpoint
from DescribeDBInstances and credentials from Secrets Manager, that keep their rows across a restart of
the local cloud and are gone after destroy."""

import json
from pathlib import Path

import psycopg
import pymysql
import pytest

from localcloud.terraform.runner import TerraformRunner
from localcloud.testing import isolated

pytestmark = pytest.mark.integration
CONFIG = Path(__file__).resolve().parent / "rds_terraform"


def _endpoint(rds, identifier: str) -> tuple[str, int]:
    # After a restart an instance is `starting` until its server accepts connections, as on AWS after
    # StartDBInstance: wait the way a client would (botocore's waiter fails at once on `failed`).
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier=identifier,
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    assert instance["DBInstanceStatus"] == "available"
    return instance["Endpoint"]["Address"], instance["Endpoint"]["Port"]


def _secret(cloud, arn: str) -> dict:
    return json.loads(cloud.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def _postgres(cloud, outputs):
    secret = _secret(cloud, outputs["orders_secret_arn"])
    host, port = _endpoint(cloud.client("rds"), "rds-test-orders")
    assert (secret["host"], int(secret["port"])) == (host, port)
    return psycopg.connect(host=host, port=port, user=secret["username"], password=secret["password"],
                           dbname=secret["dbname"], autocommit=True, connect_timeout=10)


def _mysql(cloud, outputs):
    secret = _secret(cloud, outputs["catalog_master_secret_arn"])  # AWS's managed secret: username, password
    host, port = _endpoint(cloud.client("rds"), "rds-test-catalog")
    return pymysql.connect(host=host, port=port, user=secret["username"], password=secret["password"],
                           database="catalog", autocommit=True, connect_timeout=10)


def test_databases_from_terraform_keep_their_rows_across_a_restart_and_go_with_destroy(tmp_path):
    cloud = isolated(tmp_path / "state").start()
    runner = TerraformRunner(CONFIG, "rds-test", cloud.settings.state_dir, cloud.endpoint, "us-east-1")
    try:
        runner.apply()
        outputs = runner.outputs()
        with _postgres(cloud, outputs) as pg:
            pg.execute("CREATE TABLE orders (id int PRIMARY KEY, item text)")
            pg.execute("INSERT INTO orders VALUES (1, 'lamp'), (2, 'desk')")
        with _mysql(cloud, outputs) as my, my.cursor() as cursor:
            cursor.execute("CREATE TABLE products (sku varchar(20) PRIMARY KEY, price decimal(8,2))")
            cursor.execute("INSERT INTO products VALUES ('A-1', 9.50)")

        cloud.stop()
        cloud.start()

        with _postgres(cloud, outputs) as pg:
            assert pg.execute("SELECT item FROM orders ORDER BY id").fetchall() == [("lamp",), ("desk",)]
        with _mysql(cloud, outputs) as my, my.cursor() as cursor:
            cursor.execute("SELECT sku, price FROM products")
            assert [(sku, float(price)) for sku, price in cursor.fetchall()] == [("A-1", 9.5)]
        assert runner.plan().exit_code == 0  # the restart changed nothing Terraform sees

        runner.destroy()
        assert cloud.client("rds").describe_db_instances()["DBInstances"] == []
    finally:
        cloud.stop()
