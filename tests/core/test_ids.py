"""Stable ids: same inputs, same id, on any machine; different inputs, different ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from riverbed.core.ids import item_id, stable_id, story_id

T = datetime(2025, 5, 12, 9, 0, tzinfo=UTC)


def test_stable_id_is_a_pinned_sixteen_hex_digest() -> None:
    # Pinned: changing the encoding would silently re-key every table in every lake.
    assert stable_id("item", "blog", "id", "post-1") == "f9a286d0f189a31c"
    assert story_id("https://ex.org/a", "ignored") == "b2bd3041035b0a17"


def test_parts_are_length_prefixed_so_boundaries_matter() -> None:
    assert stable_id("ab", "c") != stable_id("a", "bc")
    assert stable_id("a", "") != stable_id("a")
    assert stable_id(None) != stable_id("")
    assert stable_id("x", None) != stable_id(None, "x")


def test_stable_id_never_raises_on_lone_surrogates() -> None:
    assert stable_id("\ud800") != stable_id("\ud801")


def test_item_id_prefers_guid_over_url_over_title_and_date() -> None:
    by_guid = item_id("blog", "guid-1", "https://ex.org/a", "A", T)
    assert by_guid == item_id("blog", "guid-1", "https://ex.org/other", "B", None)
    by_url = item_id("blog", None, "https://ex.org/a", "A", T)
    assert by_url == item_id("blog", "  ", "https://ex.org/a", "B", None)
    by_title = item_id("blog", None, None, "A", T)
    assert len({by_guid, by_url, by_title}) == 3


def test_a_guid_equal_to_another_items_url_does_not_collide() -> None:
    assert item_id("s", "https://ex.org/a", None, None, None) != item_id(
        "s", None, "https://ex.org/a", None, None
    )


def test_item_id_depends_on_source_and_publication_time() -> None:
    assert item_id("s1", "g", None, None, None) != item_id("s2", "g", None, None, None)
    assert item_id("s", None, None, "A", T) != item_id("s", None, None, "A", T + timedelta(1))
    assert item_id("s", None, None, "A", T) != item_id("s", None, None, "A", None)


def test_item_id_reads_the_same_instant_in_any_zone_as_one() -> None:
    paris = T.astimezone(timezone(timedelta(hours=2)))
    naive_utc = T.replace(tzinfo=None)
    assert item_id("s", None, None, "A", paris) == item_id("s", None, None, "A", T)
    assert item_id("s", None, None, "A", naive_utc) == item_id("s", None, None, "A", T)


def test_story_id_uses_the_url_and_falls_back_to_the_item() -> None:
    assert story_id("https://ex.org/a", "i1") == story_id("https://ex.org/a", "i2")
    assert story_id(None, "i1") != story_id(None, "i2")
    assert story_id(None, "i1") != item_id("s", "i1", None, None, None)
