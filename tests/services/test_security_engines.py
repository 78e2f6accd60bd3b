"""The database servers behind RDS have no superuser TCP reaches without a password: MariaDB's root and
Postgres's bootstrap user answer only on their private socket (a mkdtemp directory, 0700)."""

from __future__ import annotations

import os
import stat

import psycopg
import pymysql
import pytest
from localcloud.engines.postgres import PostgresEngine
from test_rds_engines import connect, wait_for_status


@pytest.mark.parametrize("engine, superuser", [("mysql", "root"), ("postgres", "postgres")])
def test_no_passwordless_superuser_over_tcp(cloud, engine, superuser):
    rds = cloud.client("rds")
    name = f"locked-{engine}"
    rds.create_db_instance(DBInstanceIdentifier=name, Engine=engine, DBInstanceClass="db.t3.micro",
                           AllocatedStorage=20, MasterUsername="app", MasterUserPassword="correct-horse-9",
                           DBName="app")
    try:
        instance = wait_for_status(rds, name, "available")
        with connect(engine, instance, "app", "correct-horse-9", "app"):
            pass  # the master user, with its password, gets in
        for host in ("127.0.0.1", "localhost"):
            endpoint = {**instance, "Endpoint": {**instance["Endpoint"], "Address": host}}
            with pytest.raises((pymysql.err.OperationalError, psycopg.OperationalError)):
                connect(engine, endpoint, superuser, "", "app")
    finally:
        rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)


def test_socket_directories_are_private_and_unguessable(tmp_path):
    first, second = PostgresEngine(tmp_path / "a" / "data", 5999), PostgresEngine(tmp_path / "a" / "data", 5999)
    made = [first.run_dir, second.run_dir]
    try:
        assert made[0] != made[1]  # mkdtemp: nobody can create it first in the shared /tmp
        for engine in (first, second):
            info = os.stat(engine.run_dir)
            assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.geteuid()
    finally:
        first.stop()
        second.stop()
    assert not any(path.exists() for path in made)  # removed at stop
