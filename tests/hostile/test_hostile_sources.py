"""What the `sources` catalogue's failures must (not) leave behind: bombs stopped at the cap on
the wire, no entity or file content in the lake, redirect hops refused before connecting."""

from __future__ import annotations

import pytest

from hostile.conftest import Hostile

MAX_BODY = 2 * 1024 * 1024  # the catalogue's max_body_mb


@pytest.mark.parametrize("source_id", ["gzip-bomb", "deflate-bomb", "brotli-bomb"])
def test_compression_bombs_stop_at_the_decoded_cap(hostile: Hostile, source_id: str) -> None:
    run = hostile.runs["sources"]
    ((message,),) = run.rows(
        "select message from errors where source_id = ? and stage = 'collect'", source_id
    )
    assert message.startswith(f"decoded body passed {MAX_BODY} bytes")
    # what came over the wire is a tiny fraction of the 10 GiB the stream inflates to
    rows = run.rows("select bytes, error_kind from fetches where source_id = ?", source_id)
    assert rows and all(kind == "too_large" for _b, kind in rows)
    assert all(b < MAX_BODY for b, _k in rows), rows


def test_an_endless_body_stops_at_the_cap_on_the_wire(hostile: Hostile) -> None:
    run = hostile.runs["sources"]
    ((message,),) = run.rows("select message from errors where source_id = 'endless-body'")
    assert message.startswith(f"body passed {MAX_BODY} bytes on the wire")


def test_a_slow_drip_dies_at_the_deadline_not_by_the_byte(hostile: Hostile) -> None:
    run = hostile.runs["sources"]
    ((message,),) = run.rows("select message from errors where source_id = 'slow-drip'")
    assert "no complete response within 3s" in message


@pytest.mark.parametrize("source_id", ["billion-laughs", "xxe-file", "xxe-http", "xxe-parameter"])
def test_dtds_are_refused_before_any_parser_sees_them(hostile: Hostile, source_id: str) -> None:
    run = hostile.runs["sources"]
    ((message,),) = run.rows("select message from errors where source_id = ?", source_id)
    assert message == "DTD/entity declarations are not allowed"


def test_no_entity_or_local_file_content_reaches_the_lake(hostile: Hostile) -> None:
    for run in hostile.runs.values():
        leaked = run.rows(
            "select source_id, title from items where title like '%root:%'"
            " or title like '%lollol%' or title like '%AAAAAAAAAA%' or text like '%root:%'"
        )
        assert leaked == []
        messages = run.rows("select message from errors where message like '%root:%'")
        assert messages == []


@pytest.mark.parametrize(
    "source_id", ["redirect-to-canary", "redirect-to-canary-decimal", "redirect-to-canary-name"]
)
def test_redirects_to_the_canary_are_refused_at_the_hop(hostile: Hostile, source_id: str) -> None:
    run = hostile.runs["sources"]
    ((message,),) = run.rows("select message from errors where source_id = ?", source_id)
    assert "resolves to blocked address 127.0.0.1" in message
    # the first hop (the operator's URL) was fetched; the second never connected anywhere
    attempts = run.rows(
        "select status, error_kind from fetches where source_id = ? order by attempt", source_id
    )
    assert attempts[-2][0] in (301, 302, 307)
    assert attempts[-1] == (None, "blocked_address")
    assert hostile.canary.connections == 0


def test_redirect_limits_count_hops(hostile: Hostile) -> None:
    run = hostile.runs["sources"]
    assert hostile.server.count("chain.example.net") == 6  # the first hop and 5 redirects
    assert hostile.server.count("chain.example.net", "/hop/10") == 0
    ((message,),) = run.rows("select message from errors where source_id = 'redirect-chain'")
    assert message.startswith("more than 5 redirects")
