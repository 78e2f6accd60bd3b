"""Instances created at the same moment (Terraform creates them in parallel) never share a port."""

import threading

from localcloud.aws.rds.instances import InstanceManager


def test_concurrent_creates_get_distinct_ports(tmp_path):
    manager = InstanceManager(tmp_path, host="127.0.0.1")
    ports: list[int] = []
    barrier = threading.Barrier(6)

    def pick() -> None:
        barrier.wait()
        ports.append(manager.pick_port("postgres", None))

    threads = [threading.Thread(target=pick) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ports)) == 6
