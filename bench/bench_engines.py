"""RDS engine figures: seconds from CreateDBInstance (boto3) until the master user can connect to the
endpoint DescribeDBInstances reports, for postgres and mysql; cold (no cached template data directory,
first instance on a machine) and warm (template cached, every later instance).

Goals: Postgres accepts connections within 3 s of creation, MySQL within 6 s.
Run: .venv/bin/python bench/bench_engines.py (JSON in bench/results/engines.json)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import psycopg
import pymysql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import figure, free_port, wait_healthy, write_results

GOALS = {"postgres": 3.0, "mysql": 6.0}


def connect(engine: str, rds, instance_id: str) -> None:
    instance = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
    endpoint = instance["Endpoint"]
    if engine == "postgres":
        psycopg.connect(host=endpoint["Address"], port=endpoint["Port"], user="bench", password="bench-password",
                        dbname="bench", connect_timeout=1).close()
    else:
        pymysql.connect(host=endpoint["Address"], port=endpoint["Port"], user="bench", password="bench-password",
                        database="bench", connect_timeout=1).close()


def time_to_connect(rds, engine: str, instance_id: str) -> float:
    began = time.perf_counter()
    rds.create_db_instance(DBInstanceIdentifier=instance_id, Engine=engine, DBInstanceClass="db.t3.micro",
                           MasterUsername="bench", MasterUserPassword="bench-password", DBName="bench")
    while time.perf_counter() - began < 60:
        try:
            connect(engine, rds, instance_id)
            return time.perf_counter() - began
        except Exception:  # noqa: BLE001  not yet: creating, or refusing connections
            time.sleep(0.02)
    raise TimeoutError(f"{engine} instance {instance_id} did not accept connections within 60 s")


def main() -> None:
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    cache = Path(tempfile.mkdtemp(prefix="bench-engine-cache-"))  # cold: no template yet
    server = subprocess.Popen([sys.executable, "-m", "localcloud.server.main", "--port", str(port), "--state-dir",
                               str(state)], env={**os.environ, "LOCALCLOUD_CACHE_DIR": str(cache)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figures = []
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_localcloud/health", server)
        rds = boto3.client("rds", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        for engine in ("postgres", "mysql"):
            cold = time_to_connect(rds, engine, f"{engine}-cold")
            warm = time_to_connect(rds, engine, f"{engine}-warm")
            figures.append(figure(f"{engine} create->connect, cold", cold, "s", goal=GOALS[engine]))
            figures.append(figure(f"{engine} create->connect, warm", warm, "s", goal=GOALS[engine]))
            for suffix in ("cold", "warm"):
                rds.delete_db_instance(DBInstanceIdentifier=f"{engine}-{suffix}", SkipFinalSnapshot=True)
        write_results("engines", figures)
    finally:
        server.terminate()
        server.wait(timeout=60)
        subprocess.run(["rm", "-rf", str(cache), str(state)], check=False)


if __name__ == "__main__":
    main()
