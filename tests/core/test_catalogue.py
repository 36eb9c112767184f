"""Loading valid catalogues: defaults, per-kind options, ${ENV} expansion, the shipped example."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riverbed.core.catalogue import (
    DEFAULT_BASE_URLS,
    KINDS,
    PLATFORM_KINDS,
    SOURCE_MODELS,
    ArxivSource,
    Catalogue,
    GithubTrendingSource,
    HackerNewsSource,
    HtmlSource,
    JsonApiSource,
    LobstersSource,
    RedditSource,
    RssSource,
    Rule,
    SourceBase,
    YoutubeSource,
    load_catalogue,
    parse_cadence,
    parse_catalogue,
)
from riverbed.core.catalogue.envvars import EnvReferenceError, expand

ROOT = Path(__file__).parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "catalogues"

FIXTURE_ENV = {
    "REDDIT_TOKEN": "reddit-token",
    "PROXY_USER": "alice",
    "PROXY_PASS": "pa$$word",
    "HOOK_URL": "https://hooks.slack.com/services/T000/B000/XXXX",
    "NTFY_TOKEN": "tk_ntfy",
}


def parse(text: str, env: dict[str, str] | None = None) -> Catalogue:
    return parse_catalogue(textwrap.dedent(text), env=env or {})


@pytest.fixture(scope="module")
def every_kind() -> Catalogue:
    return load_catalogue(FIXTURES / "every_kind.yaml", env=FIXTURE_ENV)


def test_one_model_per_kind_of_the_contract() -> None:
    assert set(KINDS) == {
        "rss",
        "hackernews",
        "reddit",
        "lobsters",
        "arxiv",
        "github_trending",
        "youtube",
        "html",
        "json_api",
    }
    assert set(PLATFORM_KINDS) <= set(KINDS)
    assert {k: m.default_url for k, m in SOURCE_MODELS.items() if m.default_url} == (
        DEFAULT_BASE_URLS
    )


def test_defaults_of_a_minimal_catalogue() -> None:
    catalogue = parse(
        """\
        sources:
          - {id: lwn, kind: rss, url: "https://lwn.net/headlines/rss"}
        """
    )
    (source,) = catalogue.sources
    assert isinstance(source, RssSource)
    assert source.every == "1h"
    assert source.every_td == timedelta(hours=1)
    assert source.limit is None
    assert (source.tags, source.headers, source.keep, source.block) == ([], {}, [], [])
    assert source.options == {}
    settings = catalogue.settings
    assert settings.user_agent.startswith("riverbed/0.1")
    assert (settings.per_host_concurrency, settings.per_host_delay_ms) == (4, 0)
    assert (settings.connect_timeout_s, settings.timeout_s, settings.max_body_mb) == (10, 30, 10)
    assert settings.max_body_bytes == 10 * 1024 * 1024
    assert settings.fetch_articles is True
    assert settings.allow_private_hosts == []
    assert settings.resolve == {}
    assert settings.interests == []
    assert settings.proxy is None
    assert (settings.keep, settings.block, settings.notify) == ([], [], [])


@pytest.mark.parametrize(
    ("kind", "extra", "model", "options"),
    [
        ("hackernews", "", HackerNewsSource, {"listing": "top"}),
        (
            "reddit",
            "subreddit: programming",
            RedditSource,
            {"subreddit": "programming", "listing": "hot"},
        ),
        ("lobsters", "", LobstersSource, {"listing": "hottest", "tag": None}),
        ("arxiv", "query: 'cat:cs.LG'", ArxivSource, {"query": "cat:cs.LG"}),
        ("github_trending", "", GithubTrendingSource, {"since": "daily", "language": None}),
        (
            "youtube",
            "channel_id: UC9-y-6csu5WGm29I7JiwpnA",
            YoutubeSource,
            {"channel_id": "UC9-y-6csu5WGm29I7JiwpnA"},
        ),
    ],
)
def test_platform_kinds_default_their_base_url_and_options(
    kind: str, extra: str, model: type[SourceBase], options: dict[str, object]
) -> None:
    body = f"\n    {extra}" if extra else ""
    catalogue = parse(f"sources:\n  - id: s\n    kind: {kind}{body}\n")
    (source,) = catalogue.sources
    assert isinstance(source, model)
    assert source.url == DEFAULT_BASE_URLS[kind]
    assert source.effective_url == DEFAULT_BASE_URLS[kind]
    assert source.url_is_default
    assert source.options == options


def test_a_platform_base_url_can_point_at_a_mirror() -> None:
    catalogue = parse(
        """\
        sources:
          - {id: hn, kind: hackernews, url: "http://127.0.0.1:8123/hn/"}
          - {id: hn2, kind: hackernews, url: null}
        """
    )
    mirror, default = catalogue.sources
    assert isinstance(mirror, HackerNewsSource)
    assert mirror.effective_url == "http://127.0.0.1:8123/hn"  # no double slash when appending
    assert mirror.endpoint("/v0/topstories.json") == "http://127.0.0.1:8123/hn/v0/topstories.json"
    assert not mirror.url_is_default
    assert default.effective_url == "https://hacker-news.firebaseio.com"


def test_every_kind_fixture_loads_with_all_options(every_kind: Catalogue) -> None:
    by_id = every_kind.by_id
    assert list(by_id) == [
        "lwn",
        "hn",
        "reddit-rust",
        "lobsters-go",
        "arxiv-db",
        "trending-rust",
        "youtube-computerphile",
        "pep-index",
        "devto-top",
    ]
    reddit = by_id["reddit-rust"]
    assert isinstance(reddit, RedditSource)
    assert reddit.subreddit == "rust"  # the r/ prefix people copy from the site is dropped
    assert reddit.effective_url == "https://old.reddit.com"
    assert reddit.headers == {
        "Authorization": "bearer reddit-token",
        "User-Agent": "riverbed-test/0.0",  # ${APP_VERSION:-0.0}
    }
    lobsters = by_id["lobsters-go"]
    assert isinstance(lobsters, LobstersSource)
    assert (lobsters.listing, lobsters.tag) == (None, "go")  # a tag replaces the listing
    assert [r.fields for r in lobsters.keep] == [["tag"], ["title", "url"]]
    arxiv = by_id["arxiv-db"]
    assert isinstance(arxiv, ArxivSource)
    assert arxiv.query == 'cat:cs.DB AND abs:"query optimization"'
    assert arxiv.every_td == timedelta(days=1)
    html = by_id["pep-index"]
    assert isinstance(html, HtmlSource)
    assert html.selectors.link == "td:nth-child(3) a"
    assert html.selectors.author == "td.author"
    api = by_id["devto-top"]
    assert isinstance(api, JsonApiSource)
    assert api.items == ""
    assert api.fields.author == "user.name"
    assert api.fields.id is None
    assert every_kind.sources_by_kind()["hackernews"] == [by_id["hn"]]
    assert every_kind.source("hn") is by_id["hn"]
    with pytest.raises(KeyError):
        every_kind.source("nope")


def test_every_kind_fixture_settings(every_kind: Catalogue) -> None:
    settings = every_kind.settings
    assert settings.connect_timeout_s == 2.5
    assert settings.max_body_bytes == 512 * 1024
    assert settings.fetch_articles is False
    # Host entries are case-insensitive, so they are stored lower-cased.
    assert settings.allow_private_hosts == ["intranet.example", "10.1.2.3:8080", "[::1]:9000"]
    assert settings.resolve == {
        "feeds.example.org": "127.0.0.1:8001",
        "feeds.example.org:443": "127.0.0.1:8443",
        "[2001:db8::1]:80": "[::1]:8080",
    }
    assert settings.proxy == "http://alice:pa$$word@proxy.internal:3128"
    slack, ntfy = settings.notify
    assert (slack.url, slack.format, slack.on) == (
        FIXTURE_ENV["HOOK_URL"],
        "slack",
        ["run_failed", "source_failed"],
    )
    assert ntfy.on == ["run_failed", "source_failed", "source_stale", "source_recovered"]
    assert ntfy.headers == {"Authorization": "Bearer tk_ntfy"}
    assert [r.describe() for r in settings.block] == ["title~(?i)sponsored", "author~^PR Newswire$"]


def test_env_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERBED_TEST_TOKEN", "from-os-environ")
    catalogue = parse_catalogue(
        'sources:\n  - {id: a, kind: hackernews, headers: {X-T: "${RIVERBED_TEST_TOKEN}"}}\n'
    )
    assert catalogue.sources[0].headers == {"X-T": "from-os-environ"}


@pytest.mark.parametrize(
    ("proxy", "env", "expected"),
    [
        ('"${HTTPS_PROXY}"', {}, None),  # unset: no proxy, not an error
        ('"${HTTPS_PROXY}"', {"HTTPS_PROXY": ""}, None),
        ('"${HTTPS_PROXY}"', {"HTTPS_PROXY": "http://proxy:3128"}, "http://proxy:3128"),
        ('"${P:-http://fallback:8080}"', {}, "http://fallback:8080"),
        ("null", {}, None),
        ('""', {}, None),
    ],
)
def test_proxy_expansion(proxy: str, env: dict[str, str], expected: str | None) -> None:
    catalogue = parse(f"sources: []\nsettings:\n  proxy: {proxy}\n", env=env)
    assert catalogue.settings.proxy == expected


def test_env_is_only_expanded_where_secrets_belong() -> None:
    catalogue = parse(
        """\
        sources:
          - id: a
            kind: arxiv
            query: "${NOT_EXPANDED}"
            tags: ["${ALSO_NOT}"]
        settings:
          user_agent: "bot ${NOPE}"
        """,
        env={"NOT_EXPANDED": "x", "ALSO_NOT": "y", "NOPE": "z"},
    )
    source = catalogue.sources[0]
    assert isinstance(source, ArxivSource)
    assert source.query == "${NOT_EXPANDED}"
    assert source.tags == ["${ALSO_NOT}"]
    assert catalogue.settings.user_agent == "bot ${NOPE}"


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("Bearer ${T}", {"T": "abc"}, "Bearer abc"),
        ("${A}${B}", {"A": "1", "B": "2"}, "12"),
        ("${T:-fallback}", {}, "fallback"),
        ("${T:-fallback}", {"T": ""}, "fallback"),
        ("${T:-}", {}, ""),
        ("${T:-a:-b}", {}, "a:-b"),
        ("${T}", {"T": ""}, ""),
        ("pa$word $5 $", {}, "pa$word $5 $"),
        ("literal $${T}", {"T": "x"}, "literal ${T}"),
    ],
)
def test_expand(text: str, env: dict[str, str], expected: str) -> None:
    result = expand(text, env)
    assert result.value == expected
    assert result.missing == []


def test_expand_lists_missing_variables_and_rejects_malformed_references() -> None:
    assert expand("${A} ${B} ${A}", {}).missing == ["A", "B", "A"]
    assert expand("${A}", {}, missing_is_empty=True).missing == []
    for bad in ("${", "${}", "${1X}", "${A B}", "x ${A"):
        with pytest.raises(EnvReferenceError):
            expand(bad, {})


@given(st.text().filter(lambda s: "$" not in s))
def test_expand_leaves_text_without_references_alone(text: str) -> None:
    assert expand(text, {"A": "x"}).value == text


@given(st.integers(min_value=1, max_value=30 * 24 * 60))
def test_every_cadence_in_range_round_trips(minutes: int) -> None:
    assert parse_cadence(f"{minutes}m") == timedelta(minutes=minutes)
    if minutes <= 30 * 24:
        assert parse_cadence(f"{minutes}h") == timedelta(hours=minutes)


@pytest.mark.parametrize(
    ("rule", "item", "matches"),
    [
        ({"title": "(?i)sponsored"}, {"title": "A SPONSORED post"}, True),
        ({"title": "(?i)sponsored"}, {"title": "Plain"}, False),
        ({"title": "(?i)sponsored"}, {}, False),  # a missing field never matches
        (
            {"title": "rust", "url": r"\.dev/"},
            {"title": "rust 2.0", "url": "https://x.dev/a"},
            True,
        ),
        (
            {"title": "rust", "url": r"\.dev/"},
            {"title": "rust 2.0", "url": "https://x.org/a"},
            False,
        ),
        ({"tag": "^go$"}, {"tags": ["golang", "go"]}, True),
        ({"tag": "^go$"}, {"tags": ["golang"]}, False),
        ({"author": "^PR "}, {"author": "PR Newswire"}, True),
        ({"text": "webinar"}, {"text": "join our webinar"}, True),
    ],
)
def test_rule_matching(rule: dict[str, str], item: dict[str, object], matches: bool) -> None:
    parsed = Rule.model_validate(rule)
    assert parsed.matches(**item) is matches


def test_catalogue_models_are_immutable_and_dump_plain_data(every_kind: Catalogue) -> None:
    source = every_kind.sources[0]
    with pytest.raises(ValueError, match="frozen"):
        source.every = "5m"
    dumped = every_kind.model_dump(mode="json")
    assert dumped["sources"][0]["block"][0]["title"] == r"(?i)^\[\$\] "
    assert Catalogue.model_validate(dumped) == every_kind


def test_shipped_example_is_a_valid_real_world_catalogue() -> None:
    catalogue = load_catalogue(ROOT / "examples" / "sources.yaml", env={})
    kinds = [s.kind for s in catalogue.sources]
    assert kinds.count("rss") >= 25
    assert set(KINDS) <= set(kinds)
    assert all(s.url.startswith("https://") for s in catalogue.sources)
    assert all(s.tags for s in catalogue.sources)
    assert len({s.url for s in catalogue.sources if s.kind == "rss"}) == kinds.count("rss")
    assert catalogue.settings.interests
    assert catalogue.settings.proxy is None  # ${HTTPS_PROXY} unset
