"""An RDS instance whose port another process takes between our probe and the server's bind (two local
clouds, or a Postgres someone starts, both wanting 5432 at once) moves to a free port instead of failing.

Seen in `make test`: four workers' clouds and other checkouts create Postgres instances at the same moment;
one server failed with "could not create any TCP/IP sockets". The race is made certain here: the test
takes the picked port itself before the instance is created on it.
"""

from __future__ import annotations

import socket

import psycopg

from localcloud.aws.rds.instances import InstanceManager
from localcloud.testing import wait_for


def test_an_instance_whose_port_was_taken_meanwhile_comes_up_on_another(tmp_path):
    manager = InstanceManager(tmp_path / "state", host="127.0.0.1")
    port = manager.pick_port("postgres", None)
    other = socket.socket()  # the other process, binding the port after our probe said it was free
    other.bind(("127.0.0.1", port))
    other.listen()
    entry = {"id": "raced", "engine": "postgres", "account_id": "123456789012", "region": "us-east-1",
             "port": port, "username": "app", "password": "password-123", "db_name": "app", "stopped": False}
    try:
        manager.create(entry)

        def serving() -> int | None:
            if "raced" in manager.failures:
                raise AssertionError(manager.failures["raced"])
            try:
                with psycopg.connect(host="127.0.0.1", port=manager.entry("raced")["port"], user="app",
                                     password="password-123", dbname="app", connect_timeout=5) as conn:
                    return conn.execute("SELECT 1").fetchone()[0]
            except psycopg.OperationalError:
                return None

        assert wait_for(serving, what="the instance to serve on a free port") == 1
        assert manager.entry("raced")["port"] != port
    finally:
        other.close()
        manager.delete("raced")
