"""Every catalogue mistake is reported with its file, line and field — and all at once."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from riverbed.core.catalogue import CatalogueError, Problem, load_catalogue, parse_catalogue

FIXTURES = Path(__file__).parent.parent / "fixtures" / "catalogues"

FEED = "https://example.org/feed.xml"


def problems_of(text: str, env: dict[str, str] | None = None) -> list[Problem]:
    with pytest.raises(CatalogueError) as excinfo:
        parse_catalogue(textwrap.dedent(text), file="sources.yaml", env=env or {})
    return excinfo.value.problems


# (case id, YAML, expected line, expected field, text the message must contain)
CASES: list[tuple[str, str, int | None, str, str]] = [
    (
        "unknown key in a source",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            colour: blue
        """,
        5,
        "sources[0].colour",
        "unknown key 'colour'",
    ),
    (
        "misspelt option gets a suggestion",
        """\
        sources:
          - id: hn
            kind: hackernews
            listin: best
        """,
        4,
        "sources[0].listin",
        "did you mean 'listing'?",
    ),
    (
        "unknown top-level key",
        """\
        sources: []
        setings: {}
        """,
        2,
        "setings",
        "did you mean 'settings'?",
    ),
    (
        "unknown settings key",
        """\
        sources: []
        settings:
          timeout_s: 5
          max_body: 3
        """,
        4,
        "settings.max_body",
        "did you mean 'max_body_mb'?",
    ),
    (
        "duplicate id points at the second occurrence",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
          - id: b
            kind: rss
            url: {FEED}
          - id: a
            kind: hackernews
        """,
        8,
        "sources[2].id",
        "duplicate id 'a' (already used by sources[0])",
    ),
    (
        "id with upper case and a space",
        f"""\
        sources:
          - kind: rss
            id: Hacker News
            url: {FEED}
        """,
        3,
        "sources[0].id",
        "invalid id 'Hacker News'",
    ),
    (
        "id that is a number",
        f"""\
        sources:
          - id: 2600
            kind: rss
            url: {FEED}
        """,
        2,
        "sources[0].id",
        "expected a string, got 2600",
    ),
    (
        "ftp URL",
        """\
        sources:
          - id: a
            kind: rss
            url: ftp://example.org/feed.xml
        """,
        4,
        "sources[0].url",
        "only http:// and https://",
    ),
    (
        "URL without a host",
        """\
        sources:
          - id: a
            kind: rss
            url: "https:///feed.xml"
        """,
        4,
        "sources[0].url",
        "no valid host",
    ),
    (
        "relative URL",
        """\
        sources:
          - id: a
            kind: rss
            url: /feed.xml
        """,
        4,
        "sources[0].url",
        "invalid URL '/feed.xml'",
    ),
    (
        "base URL with a query",
        """\
        sources:
          - id: a
            kind: lobsters
            url: https://lobste.rs/?page=2
        """,
        4,
        "sources[0].url",
        "no query or fragment",
    ),
    (
        "env reference in a source URL",
        """\
        sources:
          - id: a
            kind: json_api
            url: "https://api.example.org/items?key=${API_KEY}"
            items: data
            fields: {title: t, url: u}
        """,
        4,
        "sources[0].url",
        "not expanded in source URLs",
    ),
    (
        "rss without url",
        """\
        sources:
          - id: a
            kind: rss
            every: 2h
        """,
        2,
        "sources[0].url",
        "required for kind 'rss'",
    ),
    (
        "bad cadence",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            every: 5x
        """,
        5,
        "sources[0].every",
        "invalid cadence '5x' (expected <int>m|h|d)",
    ),
    (
        "zero cadence",
        """\
        sources:
          - id: a
            kind: hackernews
            every: 0m
        """,
        4,
        "sources[0].every",
        "at least 1m",
    ),
    (
        "absurd cadence",
        """\
        sources:
          - id: a
            kind: hackernews
            every: 400d
        """,
        4,
        "sources[0].every",
        "at most 30d",
    ),
    (
        "cadence too big for a timedelta",  # found by fuzzing: OverflowError, not a problem
        """\
        sources:
          - id: a
            kind: hackernews
            every: 99999999999999d
        """,
        4,
        "sources[0].every",
        "at most 30d",
    ),
    (
        "cadence without a unit",
        """\
        sources:
          - id: a
            kind: hackernews
            every: 60
        """,
        4,
        "sources[0].every",
        "invalid cadence '60'",
    ),
    (
        "option of another kind",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            listing: top
        """,
        5,
        "sources[0].listing",
        "option 'listing' does not fit kind 'rss' (rss has no options",
    ),
    (
        "reddit option on hackernews",
        """\
        sources:
          - id: a
            kind: hackernews
            subreddit: programming
        """,
        4,
        "sources[0].subreddit",
        "does not fit kind 'hackernews' (options of hackernews: listing",
    ),
    (
        "lobsters listing and tag together",
        """\
        sources:
          - id: a
            kind: lobsters
            listing: newest
            tag: rust
        """,
        5,
        "sources[0].tag",
        "either `listing` or `tag`, not both",
    ),
    (
        "listing not offered by the platform",
        """\
        sources:
          - id: a
            kind: hackernews
            listing: hot
        """,
        4,
        "sources[0].listing",
        "invalid value 'hot' (expected 'top', 'new', 'best', 'ask' or 'show')",
    ),
    (
        "reddit without subreddit",
        """\
        sources:
          - id: a
            kind: reddit
            listing: new
        """,
        2,
        "sources[0].subreddit",
        "required field missing",
    ),
    (
        "arxiv without query",
        """\
        sources:
          - id: a
            kind: arxiv
        """,
        2,
        "sources[0].query",
        "required field missing",
    ),
    (
        "youtube channel id of the wrong shape",
        """\
        sources:
          - id: a
            kind: youtube
            channel_id: "@computerphile"
        """,
        4,
        "sources[0].channel_id",
        "invalid channel_id '@computerphile'",
    ),
    (
        "html selectors without link",
        """\
        sources:
          - id: a
            kind: html
            url: https://example.org/news
            selectors:
              item: article
              title: h2
        """,
        5,
        "sources[0].selectors.link",
        "required field missing",
    ),
    (
        "html selector that is not CSS",
        """\
        sources:
          - id: a
            kind: html
            url: https://example.org/news
            selectors:
              item: article
              title: "h2[[["
              link: h2 a
        """,
        7,
        "sources[0].selectors.title",
        "invalid CSS selector 'h2[[['",
    ),
    (
        "html selector with an unfinished combinator",
        """\
        sources:
          - id: a
            kind: html
            url: https://example.org/news
            selectors:
              item: "div.list >"
              title: h2
              link: a
        """,
        6,
        "sources[0].selectors.item",
        "invalid CSS selector 'div.list >'",
    ),
    (
        "html selector with a scrapy-style pseudo-element",
        """\
        sources:
          - id: a
            kind: html
            url: https://example.org/news
            selectors:
              item: article
              title: h2
              link: a::attr(href)
        """,
        8,
        "sources[0].selectors.link",
        "pseudo-elements such as ::text or ::attr(href) are not supported",
    ),
    (
        "html optional selector that is not CSS",
        """\
        sources:
          - id: a
            kind: html
            url: https://example.org/news
            selectors:
              item: article
              title: h2
              link: a
              date: "time[datetime"
        """,
        9,
        "sources[0].selectors.date",
        "invalid CSS selector 'time[datetime'",
    ),
    (
        "json_api field that is not in the contract",
        """\
        sources:
          - id: a
            kind: json_api
            url: https://api.example.org/items
            items: data.items
            fields:
              title: name
              url: href
              votes: score
        """,
        9,
        "sources[0].fields.votes",
        "unknown key 'votes'",
    ),
    (
        "json_api dotted path with an empty segment",
        """\
        sources:
          - id: a
            kind: json_api
            url: https://api.example.org/items
            items: data..items
            fields: {title: name, url: href}
        """,
        5,
        "sources[0].items",
        "empty segment",
    ),
    (
        "unknown kind",
        """\
        sources:
          - id: a
            url: https://mastodon.social/@someone
            kind: mastodon
        """,
        4,
        "sources[0].kind",
        "unknown kind 'mastodon' (expected one of: rss, hackernews",
    ),
    (
        "missing kind",
        f"""\
        sources:
          - id: a
            url: {FEED}
        """,
        2,
        "sources[0].kind",
        "required field missing",
    ),
    (
        "bad regex in a source block rule",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            block:
              - title: "(?i)sponsored"
              - title: "(unclosed"
        """,
        7,
        "sources[0].block[1].title",
        "invalid regular expression '(unclosed'",
    ),
    (
        "bad regex in a global keep rule",
        """\
        sources: []
        settings:
          keep:
            - {url: "[a-"}
        """,
        4,
        "settings.keep[0].url",
        "invalid regular expression '[a-'",
    ),
    (
        "rule on a field rules do not know",
        """\
        sources: []
        settings:
          block:
            - {titel: x}
        """,
        4,
        "settings.block[0].titel",
        "did you mean 'title'?",
    ),
    (
        "empty rule",
        """\
        sources: []
        settings:
          block:
            - {}
        """,
        4,
        "settings.block[0]",
        "a rule needs at least one of: title, url, author, text, tag",
    ),
    (
        "resolve target without a port",
        """\
        sources: []
        settings:
          resolve:
            feeds.example.org: 127.0.0.1
        """,
        4,
        "settings.resolve['feeds.example.org']",
        "invalid resolve target '127.0.0.1': a port is required",
    ),
    (
        "resolve target that is a host name",
        """\
        sources: []
        settings:
          resolve:
            feeds.example.org: "localhost:8080"
        """,
        4,
        "settings.resolve['feeds.example.org']",
        "does not appear to be an IPv4 or IPv6 address",
    ),
    (
        "resolve key that is not host[:port]",
        """\
        sources: []
        settings:
          resolve:
            "feeds example:99999": "127.0.0.1:80"
        """,
        4,
        "settings.resolve['feeds example:99999']",
        "invalid key: invalid host 'feeds example:99999'",
    ),
    (
        "private host entry with a bad port",
        """\
        sources: []
        settings:
          allow_private_hosts: [intranet.example, "intranet.example:http"]
        """,
        3,
        "settings.allow_private_hosts[1]",
        "invalid port 'http'",
    ),
    (
        "missing environment variable in a header",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            headers:
              Accept: application/atom+xml
              Authorization: "Bearer ${{FEED_TOKEN}}"
        """,
        7,
        "sources[0].headers.Authorization",
        "environment variable FEED_TOKEN is not set",
    ),
    (
        "missing environment variable in a notify url",
        """\
        sources: []
        settings:
          notify:
            - format: slack
              url: "${SLACK_HOOK}"
        """,
        5,
        "settings.notify[0].url",
        "environment variable SLACK_HOOK is not set",
    ),
    (
        "malformed environment reference",
        """\
        sources: []
        settings:
          notify:
            - url: "https://ntfy.example.org/t"
              headers: {Authorization: "Bearer ${NTFY TOKEN}"}
        """,
        5,
        "settings.notify[0].headers.Authorization",
        "malformed reference '${NTFY TOKEN}'",
    ),
    (
        "invalid header name",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            headers: {{"X Token": abc}}
        """,
        5,
        "sources[0].headers['X Token']",
        "invalid HTTP header name 'X Token'",
    ),
    (
        "unknown notify event",
        """\
        sources: []
        settings:
          notify:
            - url: https://ntfy.example.org/t
              on: [run_failed, run_finished]
        """,
        5,
        "settings.notify[0].on[1]",
        "invalid value 'run_finished'",
    ),
    (
        "unknown notify format",
        """\
        sources: []
        settings:
          notify:
            - url: https://hooks.example.org/x
              format: discord
        """,
        5,
        "settings.notify[0].format",
        "expected 'json', 'slack' or 'ntfy'",
    ),
    (
        "limit that is not a number",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            limit: many
        """,
        5,
        "sources[0].limit",
        "expected an integer, got 'many'",
    ),
    (
        "zero limit",
        """\
        sources:
          - id: a
            kind: hackernews
            limit: 0
        """,
        4,
        "sources[0].limit",
        "must be greater than 0 (got 0)",
    ),
    (
        "tags as a string",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            tags: rust
        """,
        5,
        "sources[0].tags",
        "expected a list, got 'rust'",
    ),
    (
        "sources as a mapping",
        """\
        sources:
          a: {kind: rss}
        """,
        1,
        "sources",
        "expected a list, got a mapping",
    ),
    (
        "source as a string",
        """\
        sources:
          - https://example.org/feed.xml
        """,
        2,
        "sources[0]",
        "expected a mapping, got 'https://example.org/feed.xml'",
    ),
    (
        "boolean that is not one",
        """\
        sources: []
        settings:
          fetch_articles: sometimes
        """,
        3,
        "settings.fetch_articles",
        "expected true or false, got 'sometimes'",
    ),
    (
        "concurrency of zero",
        """\
        sources: []
        settings:
          per_host_concurrency: 0
        """,
        3,
        "settings.per_host_concurrency",
        "must be greater than or equal to 1",
    ),
    (
        "connect timeout longer than the whole deadline",
        """\
        sources: []
        settings:
          timeout_s: 5
          connect_timeout_s: 10
        """,
        4,
        "settings.connect_timeout_s",
        "longer than timeout_s (5)",
    ),
    (
        "settings as a list",
        """\
        sources: []
        settings: [timeout_s]
        """,
        2,
        "settings",
        "expected a mapping, got a list",
    ),
    (
        "no sources key",
        """\
        settings: {}
        """,
        1,
        "sources",
        "required field missing",
    ),
    (
        "YAML syntax error",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            tags: [news, linux
          - id: b
        """,
        6,
        "",
        "YAML syntax error",
    ),
    (
        "tab indentation",
        "sources:\n\t- id: a\n",
        2,
        "",
        "YAML syntax error",
    ),
    (
        "duplicate YAML key",
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            every: 1h
            every: 2h
        """,
        6,
        "sources[0].every",
        "duplicate key 'every' (first at line 5)",
    ),
    (
        "catalogue that is a list",
        """\
        - id: a
          kind: rss
        """,
        1,
        "",
        "expected a mapping with a `sources:` list, got a list",
    ),
    # found by fuzzing: ruamel raised TypeError (unhashable) building a key that nests a map
    ("mapping key holding a mapping", "? : {}\n", 1, "", "a mapping cannot be a key"),
    (
        "list as a key inside a source",
        """\
        sources:
          - id: a
            ? [kind]
            : rss
        """,
        3,
        "sources[0]",
        "a list cannot be a key",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        pytest.param(text, line, field, message, id=name)
        for name, text, line, field, message in CASES
    ],
)
def test_each_mistake_is_reported_with_file_line_and_field(
    text: str, line: int | None, field: str, message: str
) -> None:
    problems = problems_of(text)
    matching = [p for p in problems if p.field == field and message in p.message]
    assert matching, f"no problem at {field!r} containing {message!r}; got {problems}"
    assert matching[0].file == "sources.yaml"
    assert matching[0].line == line


def test_problem_reads_file_line_field_message() -> None:
    problem = Problem("sources.yaml", 12, "sources[3].every", "invalid cadence '5x'")
    assert str(problem) == "sources.yaml:12: sources[3].every: invalid cadence '5x'"
    assert str(Problem("sources.yaml", None, "", "no such file")) == "sources.yaml: no such file"
    assert str(Problem("a.yaml", 3, "", "YAML syntax error: x")) == "a.yaml:3: YAML syntax error: x"


def test_cadence_problem_reads_like_the_contract_example() -> None:
    text = "sources:\n" + "".join(
        f"  - {{id: s{i}, kind: hackernews, every: {'5x' if i == 3 else '1h'}}}\n" for i in range(5)
    )
    (problem,) = problems_of(text)
    assert (
        str(problem)
        == "sources.yaml:5: sources[3].every: invalid cadence '5x' (expected <int>m|h|d)"
    )


def test_every_problem_of_a_file_is_reported_in_line_order() -> None:
    path = FIXTURES / "many_problems.yaml"
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(path, env={})
    got = [(p.line, p.field) for p in excinfo.value.problems]
    assert got == [
        (5, "sources[0].every"),
        (7, "sources[0].tag"),
        (8, "sources[1].id"),
        (10, "sources[1].url"),
        (11, "sources[2].id"),
        (13, "sources[2].subreddit"),
        (14, "sources[3].query"),
        (16, "sources[3].block[0].title"),
        (18, "settings.timeout_s"),
        (19, "settings.resolve['feeds.example.org']"),
    ]
    assert all(p.file == str(path) for p in excinfo.value.problems)
    assert str(excinfo.value).splitlines()[0] == (
        f"{path}:5: sources[0].every: invalid cadence '5x' (expected <int>m|h|d)"
    )


def test_every_duplicate_yaml_key_and_id_is_reported() -> None:
    problems = problems_of(
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            url: {FEED}
          - id: a
            kind: hackernews
          - id: a
            kind: lobsters
        settings:
          timeout_s: 10
          timeout_s: 20
        """
    )
    assert [(p.line, p.field, p.message.split(" (")[0]) for p in problems] == [
        (5, "sources[0].url", "duplicate key 'url'"),
        (6, "sources[1].id", "duplicate id 'a'"),
        (8, "sources[2].id", "duplicate id 'a'"),
        (12, "settings.timeout_s", "duplicate key 'timeout_s'"),
    ]


def test_missing_file_is_a_problem_without_a_line(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(path)
    assert excinfo.value.problems == [Problem(str(path), None, "", "no such file")]


def test_directory_and_binary_files_are_problems(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="is a directory"):
        load_catalogue(tmp_path)
    binary = tmp_path / "sources.yaml"
    binary.write_bytes(b"\xff\xfe\x00sources")
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(binary)


def test_empty_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("# nothing yet\n")
    with pytest.raises(CatalogueError, match="empty catalogue"):
        load_catalogue(path)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines.append("sources: *a8")
    problems = problems_of("\n".join(lines) + "\n")
    assert any("too large" in p.message for p in problems)


SECRET = "s3cr3t-webhook-token-XYZ"


def test_expanded_secrets_never_appear_in_messages() -> None:
    env = {"HOOK_URL": f"not-a-url/{SECRET}", "PROXY": f"ftp://user:{SECRET}@proxy", "T": SECRET}
    problems = problems_of(
        """\
        sources:
          - id: a
            kind: hackernews
            headers: {Authorization: "Bearer ${T}", "X-Two": 2}
        settings:
          proxy: "${PROXY}"
          notify:
            - url: "${HOOK_URL}"
              headers: {X-Token: "${T}\\r\\nInjected: yes"}
        """,
        env=env,
    )
    fields = {p.field: p.message for p in problems}
    assert set(fields) == {
        "sources[0].headers.X-Two",
        "settings.proxy",
        "settings.notify[0].url",
        "settings.notify[0].headers.X-Token",
    }
    assert "${HOOK_URL}" in fields["settings.notify[0].url"]
    rendered = "\n".join(str(p) for p in problems)
    assert SECRET not in rendered
    assert "ftp://user" not in rendered


def test_secrets_are_not_in_the_repr_of_loaded_models() -> None:
    catalogue = parse_catalogue(
        """\
        sources:
          - {id: a, kind: hackernews, headers: {Authorization: "Bearer ${T}"}}
        settings:
          proxy: "http://u:${T}@proxy.internal:3128"
          notify: [{url: "https://hooks.example.org/${T}", headers: {X-Token: "${T}"}}]
        """.replace("        ", ""),
        env={"T": SECRET},
    )
    assert catalogue.sources[0].headers == {"Authorization": f"Bearer {SECRET}"}
    assert SECRET not in repr(catalogue)
    assert SECRET not in str(catalogue)


def test_every_bad_selector_of_a_source_is_reported_at_its_line() -> None:
    problems = problems_of(
        """\
        sources:
          - id: a
            kind: html
            url: https://example.org/news
            selectors:
              item: "#"
              title: h2
              link: "a["
              summary: p::text
        """
    )
    got = [(p.line, p.field) for p in problems]
    assert got == [
        (6, "sources[0].selectors.item"),
        (8, "sources[0].selectors.link"),
        (9, "sources[0].selectors.summary"),
    ]
    assert all("invalid CSS selector" in p.message for p in problems)


@pytest.mark.parametrize(
    "selector",
    [
        "td:nth-child(3) a",
        "article.post > h2 a[href^='http']",
        "li:not(.sponsored)",
        "a:contains('Read more')",
        "div#main ul li, ol li",
        "p:first-of-type",
    ],
)
def test_valid_css_selectors_pass(selector: str) -> None:
    text = textwrap.dedent(
        """\
        sources:
          - id: a
            kind: html
            url: https://example.org/news
            selectors:
              item: article
              title: h2
              link: a
        """
    )
    text += f"      summary: {json.dumps(selector)}\n"  # a JSON string is a YAML scalar
    source = parse_catalogue(text, file="sources.yaml", env={}).sources[0]
    assert source.selectors.summary == selector


def test_a_null_header_name_with_an_unset_variable_is_a_problem_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # found by fuzzing: the problem's field path met a null key and raised AttributeError
    monkeypatch.delenv("RIVERBED_TEST_UNSET", raising=False)
    problems = problems_of(
        f"""\
        sources:
          - id: a
            kind: rss
            url: {FEED}
            headers:
              ~: ${{RIVERBED_TEST_UNSET}}
        """
    )
    assert problems and any("RIVERBED_TEST_UNSET" in p.message for p in problems)
    assert any("[None]" in p.field for p in problems)


@pytest.mark.parametrize(
    "text",
    [
        "-_",  # ruamel reads `_` as an int and indexes its empty digits: IndexError
        (FIXTURES / "ruamel_comment_assert.yaml").read_text(),  # an assertion on comments
    ],
)
def test_text_the_yaml_reader_itself_fails_on_is_a_problem_not_a_crash(text: str) -> None:
    # found by fuzzing (eighth run): ruamel.yaml raised its own IndexError / AssertionError
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(text, file="odd.yaml", env={})
    [problem] = info.value.problems
    assert problem.message.startswith("YAML error: the YAML reader failed on this text (")
