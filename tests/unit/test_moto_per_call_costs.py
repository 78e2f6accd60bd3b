"""Per-call costs cut in moto_patches/core.py answer as moto did: a request id in moto's format, drawn cheaply, and drawing it
leaves moto's seeded id generator alone, so journal replay draws the same resource ids."""

from __future__ import annotations

import re

from localcloud import moto_patches
from localcloud.state import replay


def test_request_ids_keep_moto_s_format_and_header() -> None:
    moto_patches.apply_all()
    from moto.core import responses

    headers: dict[str, str] = {}
    first = responses.gen_amzn_requestid_long(headers)
    assert re.fullmatch(r"[A-Za-z0-9]{52}", first) and headers == {"x-amzn-requestid": first}
    assert len({responses.gen_amzn_requestid_long() for _ in range(1000)}) == 1000


def test_a_request_id_draws_nothing_from_the_replayed_seed() -> None:
    moto_patches.apply_all()
    from moto.core import responses
    from moto.moto_api._internal import mock_random

    with replay.seeded(42):
        expected = mock_random.get_random_hex(16)
    with replay.seeded(42):
        responses.gen_amzn_requestid_long({})
        assert mock_random.get_random_hex(16) == expected


def test_stored_timestamps_parse_to_what_botocore_parses() -> None:
    """moto_patches/core.py parses moto's ISO 8601 strings itself (dateutil was 60 % of a listing page)."""
    moto_patches.apply_all()
    from botocore.utils import parse_to_aware_datetime as botocore_parse
    from moto.core import serialize

    for value in ("2026-12-01T14:06:55.000Z", "2026-12-01T14:06:55Z", "2026-12-01T14:06:55.123456Z",
                  "2026-12-01T14:06:55", "2026-12-01T14:06:55.250+02:00", "2026-12-01T14:06:55-05:30",
                  "2026-12-01", "1764598015", "Tue, 01 Dec 2026 14:06:55 GMT", 1764598015):
        ours, theirs = serialize.parse_to_aware_datetime(value), botocore_parse(value)
        assert (ours, type(ours.tzinfo), ours.utcoffset()) == (theirs, type(theirs.tzinfo), theirs.utcoffset()), value


def test_receipt_handles_keep_moto_s_format() -> None:
    moto_patches.apply_all()
    from moto.sqs import models

    handles = {models.generate_receipt_handle() for _ in range(500)}
    assert len(handles) == 500 and all(re.fullmatch(r"[a-z]{185}", handle) for handle in handles)


def test_name_conversions_answer_as_moto_s() -> None:
    moto_patches.apply_all()
    from localcloud.moto_patches import registry
    from moto.core import utils

    patch = next(p for p in moto_patches.all_patches() if p.location == "moto.core.utils.camelcase_to_underscores")
    original = registry.original_of(patch)
    for name in ("VisibilityTimeout", "theNewAttribute", "ARN", "KmsMasterKeyId", "SQSManagedSseEnabled", "", "a b"):
        assert utils.camelcase_to_underscores(name) == original(name)
