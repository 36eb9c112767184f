"""The published digest page of the session's demo lake, opened from disk in headless Chromium:
one card per digest story with its links, no console error or CSP violation, nothing fetched
from anywhere, dark mode, no sideways scrolling on a phone, and screenshots kept in
test-artifacts/.

The page contract: `article.story[data-story-id]` cards, each with `a.story-title` and its
`ul.discussions li a` links (plus `.why`, `.summary`, `.sources` texts)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browserkit import WatchedPage, watched_page
from playwright.sync_api import Browser

from riverbed.lake import Lake
from riverbed.lake.query import connect

MIN_CARDS = 10  # the demo's digest holds 50 stories; fewer than this means a broken page
HTTP = re.compile(r"^https?://[^/\s]+")
PHONE_WIDTHS = [320, 375, 414]
# Records every CSP violation the page reports (Chromium also logs them to the console).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));
"""


@dataclass
class Digest:
    path: Path
    story_ids: list[str]


@pytest.fixture(scope="module")
def digest(local_demo: dict[str, object]) -> Digest:
    """The latest digest of the demo's lake as first published (the pristine copy: other
    tests re-run and replay the live one), and its story ids from the `digest` table."""
    lake = Path(str(local_demo["pristine"]))
    date = json.loads((lake / "published" / "latest.json").read_text())["date"]
    rows = (
        connect(Lake(lake))
        .execute("select story_id from digest where digest_date = ?", [date])
        .fetchall()
    )
    return Digest(lake / "published" / "digest" / date / "index.html", [r[0] for r in rows])


@pytest.fixture(scope="module")
def page(browser: Browser, digest: Digest) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    context.add_init_script(CSP_LISTENER)
    watched = watched_page(context, allowed=lambda url: url.startswith("file://"))
    watched.page.goto(digest.path.as_uri(), wait_until="load")
    yield watched
    context.close()


def test_every_digest_story_is_one_card_carrying_its_story_id(page, digest):
    ids = page.page.eval_on_selector_all(
        "article.story[data-story-id]", "cards => cards.map(c => c.dataset.storyId)"
    )
    assert len(digest.story_ids) >= MIN_CARDS
    assert len(ids) == len(set(ids)), "a story has two cards"
    assert sorted(ids) == sorted(digest.story_ids)


def test_every_card_has_an_http_title_link_and_http_discussion_links(page):
    cards = page.page.eval_on_selector_all(
        "article.story",
        """cards => cards.map(c => ({
            id: c.dataset.storyId,
            titles: [...c.querySelectorAll("a.story-title")].map(a => a.getAttribute("href")),
            discussions: [...c.querySelectorAll("ul.discussions li a")]
                .map(a => a.getAttribute("href")),
        }))""",
    )
    assert len(cards) >= MIN_CARDS
    for card in cards:
        assert len(card["titles"]) == 1, card
        assert HTTP.match(card["titles"][0] or ""), card
        assert card["discussions"], card
        assert all(HTTP.match(href or "") for href in card["discussions"]), card


def test_the_page_logs_no_console_error_or_warning_and_violates_no_csp_rule(page):
    violations = page.page.evaluate("window.__cspViolations")
    assert page.problems() == []
    assert violations == []


def test_the_page_requests_nothing_beyond_its_own_file(page):
    assert page.refused == []


def test_dark_mode_gives_the_page_another_background(page):
    def background(scheme: str) -> str:
        page.page.emulate_media(color_scheme=scheme)
        return page.page.evaluate("getComputedStyle(document.body).backgroundColor")

    light, dark = background("light"), background("dark")
    page.page.emulate_media(color_scheme="light")
    assert light != dark
    assert dark not in ("", "rgba(0, 0, 0, 0)")


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_a_phone_screen_needs_no_sideways_scrolling(page, width):
    page.page.set_viewport_size({"width": width, "height": 800})
    try:
        scroll, client = page.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
    finally:
        page.page.set_viewport_size({"width": 1024, "height": 900})
    assert scroll <= client


@pytest.mark.parametrize(
    ("name", "width", "scheme", "full_page"),
    [
        ("digest.png", 1024, "light", True),
        ("digest-phone-dark.png", 375, "dark", True),
        ("digest-top.png", 960, "light", False),  # the first screen: docs/img/digest.png
    ],
)
def test_a_screenshot_is_kept_as_an_artefact(page, artifacts, name, width, scheme, full_page):
    page.page.set_viewport_size({"width": width, "height": 1100})
    page.page.emulate_media(color_scheme=scheme)
    try:
        shot = page.page.screenshot(path=artifacts / name, full_page=full_page)
    finally:
        page.page.set_viewport_size({"width": 1024, "height": 900})
        page.page.emulate_media(color_scheme="light")
    assert shot.startswith(b"\x89PNG\r\n\x1a\n")
    width_px, height_px = (int.from_bytes(shot[16:20]), int.from_bytes(shot[20:24]))
    assert width_px == width
    if full_page:
        assert height_px > 1100  # the whole page, not the first screen
    else:
        assert height_px == 1100
