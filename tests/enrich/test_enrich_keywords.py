"""Keywords of one story: readable phrases, product names and versions intact, no stop words
in any of the four languages, deterministic, safe on hostile input."""

from __future__ import annotations

import pytest

from enrich.labelled import STORIES, Story
from riverbed.enrich.keywords import extract_keywords
from riverbed.enrich.stopwords import NOT_KEYWORDS, STOP_WORDS

RELEASE_NOTE = (
    "Rust 1.87 ships async closures",
    "The Rust team has published Rust 1.87. Async closures are now stable: a closure can "
    "await inside its body and capture references from its environment. The release also "
    "stabilises precise capturing in impl Trait. Rust 1.87 is available through rustup.",
)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        pytest.param(*RELEASE_NOTE, "Rust 1.87", id="release-note-product-and-version"),
        pytest.param(
            "Upgrading to Python 3.13: what broke and what got faster",
            "We moved our services to Python 3.13 last month. The free-threaded build is "
            "still experimental, but the new interactive interpreter and better error "
            "messages helped. Python 3.13 also removed several deprecated modules.",
            "Python 3.13",
            id="version-with-a-dot",
        ),
        pytest.param(
            "scikit-learn 1.6 adds array API support",
            "scikit-learn 1.6 lets estimators run on GPU arrays. The array API support "
            "covers more estimators than scikit-learn 1.5 did.",
            "scikit-learn 1.6",
            id="hyphenated-name",
        ),
        pytest.param(
            "Postgres 18 ships async I/O",
            "Postgres 18 adds an async I/O subsystem. With async I/O, sequential scans issue "
            "reads concurrently.",
            "async I/O",
            id="slash-inside-a-name",
        ),
        pytest.param(
            "C++26 adds static reflection",
            "The C++ committee voted static reflection into C++26. Static reflection lets a "
            "program inspect types at compile time.",
            "static reflection",
            id="c-plus-plus",
        ),
        pytest.param(
            "Node.js 24 drops support for 32-bit Windows",
            "Node.js 24 is the first release without 32-bit Windows builds. Node.js 22 keeps "
            "them until it reaches end of life.",
            "Node.js 24",
            id="dotted-name",
        ),
        pytest.param(
            "How We Cut Our Query Latency With Connection Pooling",
            "Our API opened a new database connection per request. Connection pooling with "
            "PgBouncer cut p99 latency from 900 ms to 40 ms; connection pooling is now the "
            "default for every service.",
            "connection pooling",
            id="title-cased-title-spelled-as-the-text",
        ),
    ],
)
def test_keywords_name_what_the_story_is_about(title: str, text: str, expected: str) -> None:
    keywords = extract_keywords(title, text)
    assert expected in keywords, keywords


def test_release_note_keywords_include_the_product() -> None:
    keywords = extract_keywords(*RELEASE_NOTE)
    assert any("Rust" in k for k in keywords[:2])
    assert "async closures" in keywords


@pytest.mark.parametrize(
    ("title", "text", "content_word"),
    [
        (
            "Die Stadtwerke testen Wärmepumpen im Altbau",
            "Die Stadtwerke wollen herausfinden, ob sich Wärmepumpen auch in unsanierten "
            "Altbauten wirtschaftlich betreiben lassen. Dafür werden in diesem Winter zwölf "
            "Häuser mit Wärmepumpen ausgestattet und über zwei Jahre vermessen.",
            "Wärmepumpen",
        ),
        (
            "Les bacs de plantes grimpantes de la Croix-Rousse",
            "Depuis le début du printemps, les habitants des pentes de la Croix-Rousse "
            "voient apparaître des bacs de plantes grimpantes. La mairie veut rafraîchir les "
            "rues pendant les canicules.",
            "plantes grimpantes",
        ),
        (
            "El ayuntamiento aprueba una barrera contra las inundaciones",
            "El ayuntamiento aprobó el martes la construcción de una barrera contra las "
            "inundaciones a lo largo del río. La barrera protegerá a los barrios del este.",
            "barrera",
        ),
    ],
    ids=["de", "fr", "es"],
)
def test_other_languages_drop_their_stop_words(title: str, text: str, content_word: str) -> None:
    keywords = extract_keywords(title, text)
    assert any(content_word in k for k in keywords), keywords
    for keyword in keywords:
        words = keyword.casefold().split()
        assert words[0] not in STOP_WORDS and words[-1] not in STOP_WORDS, keyword


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.story_id)
def test_no_keyword_is_a_stop_word_and_no_two_share_a_word(story: Story) -> None:
    title, text = story.title, story.text
    keywords = extract_keywords(title, text, k=8)
    assert 1 <= len(keywords) <= 8
    seen: set[str] = set()
    for keyword in keywords:
        words = {w for w in keyword.casefold().split() if not w[:1].isdigit()}
        assert not words <= NOT_KEYWORDS, keyword
        assert not words & seen, (keyword, keywords)
        seen |= words
        assert keyword in f"{title} {text}" or keyword.casefold() in f"{title} {text}".casefold()


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("", None),
        ("", ""),
        ("The and of", "It is what it is, and that is all there is to it."),
        ("!!! ??? ...", "--- *** ///"),
        ("🎉🔥🚀", "💯 👍 🙌"),
        ("12 34 56", "3.14 2.71 1.41"),
    ],
    ids=["nothing", "empty", "only-stop-words", "punctuation", "emoji", "numbers"],
)
def test_nothing_to_say_gives_no_keywords(title: str, text: str | None) -> None:
    assert extract_keywords(title, text) == []


def test_html_remnants_urls_and_emoji_are_not_keywords() -> None:
    text = (
        '<p>Grafana 12 adds <a href="https://grafana.example.com/docs">dashboards as code</a>'
        "&nbsp;and Git sync. 🎉</p><p>Read it at https://example.com/grafana-12 or mail "
        "press@example.com.</p><div class='ad'>Dashboards as code is the headline.</div>"
    )
    keywords = extract_keywords("Grafana 12 ships dashboards as code 🚀", text)
    joined = " ".join(keywords).casefold()
    for junk in ("href", "nbsp", "div", "class", "https", "example.com", "press@", "🎉", "🚀"):
        assert junk not in joined, keywords
    assert "Grafana 12" in keywords


@pytest.mark.parametrize(
    ("title", "text", "script_sample"),
    [
        (
            "数据库性能优化",
            "新版本的数据库引擎改进了查询优化器。数据库管理员报告查询速度提高了三倍。",
            "数据",
        ),
        (
            "Новая версия базы данных",
            "Разработчики выпустили новую версию базы данных. Новая версия базы данных "
            "ускоряет запросы.",
            "базы данных",
        ),
    ],
    ids=["chinese", "russian"],
)
def test_non_latin_scripts_give_keywords_in_their_script(
    title: str, text: str, script_sample: str
) -> None:
    keywords = extract_keywords(title, text)
    assert any(script_sample in k for k in keywords), keywords
    assert all(len(k) >= 2 for k in keywords)


def test_a_huge_text_reads_only_its_opening() -> None:
    opening = "Kubernetes 1.33 graduates sidecar containers to stable. " * 3
    text = opening + "Unrelated filler about gardening and tomatoes. " * 100_000  # ~4.8 MB
    keywords = extract_keywords("Kubernetes 1.33 ships stable sidecars", text)
    assert "Kubernetes 1.33" in keywords
    assert not any("tomato" in k.casefold() for k in keywords)


def test_k_limits_the_count() -> None:
    assert len(extract_keywords(*RELEASE_NOTE, k=2)) == 2
    assert extract_keywords(*RELEASE_NOTE, k=0) == []


def test_same_input_same_keywords_whatever_came_before() -> None:
    first = extract_keywords(*RELEASE_NOTE)
    for story in STORIES:  # fills the token memo with other words
        extract_keywords(story.title, story.text)
    assert extract_keywords(*RELEASE_NOTE) == first


def test_title_alone_is_enough() -> None:
    assert extract_keywords("DuckDB 1.2 brings a new CSV reader", None)[:2] == [
        "DuckDB 1.2",
        "CSV reader",
    ]
