"""The database connection from a Secrets Manager secret shaped {engine, host, port, username, password, dbname}."""

from __future__ import annotations

import json

import pg8000.native


def connect(secrets_client, secret_arn: str, timeout: float = 10.0) -> pg8000.native.Connection:
    secret = json.loads(secrets_client.get_secret_value(SecretId=secret_arn)["SecretString"])
    return pg8000.native.Connection(user=secret["username"], password=secret["password"], host=secret["host"],
                                    port=int(secret["port"]), database=secret["dbname"], timeout=timeout)
