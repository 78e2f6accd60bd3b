"""Durable local state: what survives a crash or a restart, and how.

    durable.py    atomic, fsynced file writes; private (0700/0600) directories and files
    gate.py       the request gate: mutating requests share it, a snapshot takes it alone for an instant
    journal.py    write-ahead journal of mutating API requests, replayed after the last snapshot
    replay.py     which requests are journaled, how one is recorded and replayed deterministically
    snapshots.py  consistent snapshots of every service (a forked child pickles while requests go on)
    outbox.py     accepted-but-undelivered events, saved in the same snapshot as the change that caused them
    blobs.py      S3 object bodies as files under the state directory, referenced from the snapshot
    changes.py    background work says which service it wrote, so the next snapshot pickles it
    picklers.py   what moto keeps that pickle cannot take as it is (locks, weak indexes, keys, IAM's policies)

docs/state.md says why it is built this way and what was measured.
"""
