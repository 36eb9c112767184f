"""The quality gate's rules, one by one, on plain paragraphs."""

from __future__ import annotations

import pytest

from riverbed.core.extract import gate
from riverbed.core.extract.gate import judge

PROSE = (
    "The committee met on Thursday to discuss the budget for the coming year, and members "
    "disagreed sharply about how much should go to road repairs rather than to the new "
    "library that the mayor has promised since her election campaign two years ago. "
)


def article(words: int = 200) -> list[str]:
    """Distinct prose paragraphs of about `words` words in all."""
    paragraphs = []
    count = 0
    i = 0
    while count < words:
        paragraph = f"Paragraph {i}: " + PROSE
        paragraphs.append(paragraph)
        count += len(paragraph.split())
        i += 1
    return paragraphs


def rule(paragraphs: list[str], **kwargs: object) -> str | None:
    verdict = judge(paragraphs, **kwargs)  # type: ignore[arg-type]
    return None if verdict is None else verdict.rule


def test_a_real_article_passes() -> None:
    assert judge(article()) is None


def test_too_short() -> None:
    verdict = judge(["A standfirst of a dozen words, and nothing else at all here."])
    assert verdict is not None
    assert verdict.rule == "too_short"
    assert verdict.reason.startswith("too_short:") and "minimum 80" in verdict.reason
    assert rule(article(gate.MIN_WORDS + 5)) is None


def test_empty_extraction_is_too_short() -> None:
    assert rule([]) == "too_short"


@pytest.mark.parametrize(
    "title",
    ["Just a moment...", "Attention Required! | Cloudflare", "Access denied", "Are you a robot?"],
)
def test_interstitial_title(title: str) -> None:
    assert rule(article(), title=title) == "interstitial"


@pytest.mark.parametrize(
    "text",
    [
        "Checking your browser before accessing example.com.",
        "Checking if the site connection is secure",
        "Enable JavaScript and cookies to continue",
        "Please enable JavaScript to view this page.",
        "Verify you are human by completing the action below.",
    ],
)
def test_interstitial_text(text: str) -> None:
    assert (
        rule([text, "This process is automatic. Your browser will redirect shortly."])
        == "interstitial"
    )


def test_interstitial_phrase_in_a_long_article_is_a_quote() -> None:
    paragraphs = [*article(400), 'Visitors saw a page saying "Checking your browser" for hours.']
    assert judge(paragraphs) is None


def test_interstitial_seen_in_the_page_when_the_extraction_is_empty() -> None:
    verdict = judge([], page_paragraphs=lambda: ["Checking your browser before accessing the site"])
    assert verdict is not None and verdict.rule == "interstitial"


def test_js_app_shell() -> None:
    verdict = judge([], noscript_text="You need to enable JavaScript to run this app.")
    assert verdict is not None and verdict.rule == "interstitial"
    assert "JavaScript application shell" in verdict.reason
    # a <noscript> on a page with an article is not a shell
    assert judge(article(), noscript_text="Please enable JavaScript") is None


def test_cookie_wall() -> None:
    wall = [
        "We use cookies and similar technologies to personalise content and ads.",
        "You can accept all cookies, reject all, or manage your privacy settings at any time.",
        "Our partners may process your data on the basis of legitimate interest.",
        "Read our privacy policy for more information about how we use your data on this site.",
    ]
    verdict = judge(wall)
    assert verdict is not None and verdict.rule == "cookie_wall"
    assert "%" in verdict.reason


def test_cookie_banner_in_a_long_article_passes() -> None:
    assert judge([*article(400), "We use cookies to improve your experience."]) is None


def test_cookie_wall_seen_in_the_page() -> None:
    page = ["We use cookies to give you the best experience.", "Accept all or reject all cookies."]
    verdict = judge([], page_paragraphs=lambda: page)
    assert verdict is not None and verdict.rule == "cookie_wall"


@pytest.mark.parametrize(
    "stub",
    [
        "Subscribe to continue reading",
        "Already a subscriber? Sign in",
        "This article is for subscribers only.",
        "You have reached your free article limit for this month.",
        "Create a free account to continue reading.",
    ],
)
def test_paywall_stub(stub: str) -> None:
    teaser = article(120)
    verdict = judge([*teaser, stub])
    assert verdict is not None and verdict.rule == "paywall"


def test_paywall_phrase_after_a_long_article_passes() -> None:
    assert judge([*article(400), "Already a subscriber? Sign in"]) is None


def test_shorter_than_feed() -> None:
    paragraphs = article(150)
    feed = " ".join(article(400))
    verdict = judge(paragraphs, feed_text=feed)
    assert verdict is not None and verdict.rule == "shorter_than_feed"
    assert judge(paragraphs, feed_text=" ".join(paragraphs)) is None  # as long as the feed
    assert judge(paragraphs, feed_text="A one-line summary.") is None


def test_feed_text_in_html_is_read_as_text() -> None:
    paragraphs = article(150)
    feed_html = "".join(f'<p class="{"x" * 200}">{p}</p>' for p in paragraphs)
    assert judge(paragraphs, feed_text=feed_html) is None


def test_boilerplate_link_texts() -> None:
    links = [f"Link number {i} to another story on this site" for i in range(20)]
    anchors = frozenset(link.casefold() for link in links)
    verdict = judge(["\n".join(links)], anchor_texts=anchors)
    assert verdict is not None and verdict.rule == "boilerplate"
    assert "link texts" in verdict.reason
    assert judge(["\n".join(links)]) is None  # the same lines, not links on the page


def test_boilerplate_repeated_lines() -> None:
    teaser = "Read the latest stories from our newsroom every morning in your inbox today"
    verdict = judge([*article(100), *([teaser] * 12)])
    assert verdict is not None and verdict.rule == "boilerplate"
    assert "repeated" in verdict.reason


def test_boilerplate_short_lines() -> None:
    menu = "\n".join(f"Section {i}" for i in range(60))
    verdict = judge([menu, *article(90)])
    assert verdict is not None and verdict.rule == "boilerplate"
    assert "lines of at most 3 words" in verdict.reason


def test_rules_are_tried_in_order() -> None:
    # short and a paywall: the paywall explains the shortness
    assert rule(["Subscribe to continue reading"]) == "paywall"
    # an interstitial title wins over everything
    assert rule(["Subscribe to continue reading"], title="Just a moment...") == "interstitial"


def test_ordinary_words_are_not_walls() -> None:
    short_news = [
        "Checking your email on the train is now possible on the whole northern line, after "
        "the operator finished installing wireless access points in every carriage this week. "
        "Passengers can use the service for free, and the operator says it will add power "
        "sockets next year. Subscribers to the monthly pass get priority seating. The cookies "
        "sold in the buffet car remain, by common consent, the best part of the journey."
    ]
    assert 60 < sum(len(p.split()) for p in short_news) < gate.PHRASE_RULE_MAX_WORDS
    verdict = judge(short_news * 2)  # ~130 words
    assert verdict is None or verdict.rule not in ("interstitial", "cookie_wall", "paywall")
