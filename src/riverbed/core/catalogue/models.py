"""Pydantic models of `sources.yaml`: the catalogue of sources and its `settings` block.

Validation here is pure: `${ENV}` expansion and the mapping of errors back to YAML lines are
the loader's job (`riverbed.core.catalogue.loader`). Every model forbids unknown keys, so an
option that does not fit a source's kind is an error, never silently ignored.

Adding a source kind: subclass `SourceBase` (or `PlatformSource` when the kind has a default
base URL) with `kind: Literal["<kind>"]` and its options, then add it to `Source` and
`SOURCE_MODELS` below.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from riverbed.fetch.redact import redact_url

# -- errors raised by validators -------------------------------------------------------------------


class FieldValueError(ValueError):
    """A validation error about a sub-field of the model being validated.

    A model-level validator cannot give pydantic a location deeper than the model itself;
    raising this instead lets the loader point the problem at `path` (relative to the model)
    and at that key's line.
    """

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


# -- scalar types ----------------------------------------------------------------------------------

ID_RE = re.compile(r"[a-z0-9_-]+")
MAX_ID_LENGTH = 64
_CADENCE_RE = re.compile(r"(\d+)\s*([mhd])")
_CADENCE_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
MIN_CADENCE = timedelta(minutes=1)
MAX_CADENCE = timedelta(days=30)
_HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token
_HOSTNAME_RE = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
    r"(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?"
)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def parse_cadence(value: str) -> timedelta:
    """`15m`, `1h`, `2d` -> timedelta. Raises ValueError for anything else or out of range."""
    text = value.strip() if isinstance(value, str) else str(value)
    match = _CADENCE_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"invalid cadence {text!r} (expected <int>m|h|d)")
    count = int(match.group(1))
    # past 30 days in minutes every unit is out of range (and a huge count overflows a
    # timedelta: found by fuzzing, `every: 99999999999d`)
    delta = MAX_CADENCE * 2 if count > 30 * 24 * 60 else count * _CADENCE_UNITS[match.group(2)]
    if delta < MIN_CADENCE:
        raise ValueError(f"invalid cadence {text!r} (must be at least 1m)")
    if delta > MAX_CADENCE:
        raise ValueError(f"invalid cadence {text!r} (must be at most 30d)")
    return delta


def _check_cadence(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"invalid cadence {value!r} (expected <int>m|h|d)")
    parse_cadence(str(value))
    return re.sub(r"\s+", "", str(value).strip())


def _shown(url: str) -> str:
    """A URL as a message quotes it: credentials (userinfo, token-like query values) out, as
    a catalogue's URLs may carry them (a notify webhook's token, `user:password@`)."""
    return repr(redact_url(url))


def check_http_url(value: str) -> str:
    """An absolute http(s) URL with a host; raises ValueError naming what is wrong."""
    if _CONTROL_RE.search(value) or any(c.isspace() for c in value):
        raise ValueError(f"invalid URL {_shown(value)} (contains whitespace or control characters)")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid URL {_shown(value)} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(
            f"invalid URL {_shown(value)} (only http:// and https:// URLs are fetched)"
        )
    host = parts.hostname or ""
    if not host or not _valid_host(host):
        raise ValueError(f"invalid URL {_shown(value)} (no valid host)")
    if port == 0:
        raise ValueError(f"invalid URL {_shown(value)} (port 0)")
    return value


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return _HOSTNAME_RE.fullmatch(host) is not None
    return True


def _check_source_url(value: str) -> str:
    if "${" in value:
        raise ValueError(
            "${...} is not expanded in source URLs (only in headers, proxy and notify); "
            "put credentials in `headers`"
        )
    return check_http_url(value)


def split_host_port(value: str, *, port_required: bool) -> tuple[str, int | None]:
    """`host`, `host:port`, `[v6]:port` -> (host, port). Raises ValueError when malformed."""
    text = value.strip()
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            raise ValueError("unclosed '['")
        host, rest = text[1:close], text[close + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError("expected ':port' after ']'")
        port_text = rest[1:] if rest else None
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{host!r} is not an IPv6 address") from None
    elif text.count(":") > 1:
        host, port_text = text, None  # a bare IPv6 address
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{text!r} is not host[:port]") from None
    else:
        host, sep, port_text_or_empty = text.partition(":")
        port_text = port_text_or_empty if sep else None
        if not host or not _valid_host(host):
            raise ValueError(f"{host!r} is not a valid host name or address")
    port: int | None = None
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"invalid port {port_text!r} (expected 1-65535)")
        port = int(port_text)
    elif port_required:
        raise ValueError("a port is required")
    return host, port


def _check_host_entry(value: str) -> str:
    try:
        split_host_port(value, port_required=False)
    except ValueError as exc:
        raise ValueError(f"invalid host {value!r}: {exc} (expected host or host:port)") from None
    return value.strip().lower()


def _check_resolve_target(value: str) -> str:
    try:
        host, _port = split_host_port(value, port_required=True)
        ipaddress.ip_address(host)
    except ValueError as exc:
        raise ValueError(f"invalid resolve target {value!r}: {exc} (expected ip:port)") from None
    return value.strip()


def _check_regex(value: Any) -> re.Pattern[str]:
    if isinstance(value, re.Pattern):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a regular expression (a string), got {value!r}")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from None


def _check_tags(value: list[str]) -> list[str]:
    out: list[str] = []
    for raw in value:
        tag = raw.strip()
        if not tag:
            raise ValueError("empty tag")
        if _CONTROL_RE.search(tag) or len(tag) > 64:
            raise ValueError(f"invalid tag {tag!r} (at most 64 printable characters)")
        if tag not in out:
            out.append(tag)
    return out


def _check_headers(value: dict[str, str]) -> dict[str, str]:
    for name, header_value in value.items():
        if not _HEADER_NAME_RE.fullmatch(name):
            raise FieldValueError((name,), f"invalid HTTP header name {name!r}")
        if "\r" in header_value or "\n" in header_value or "\x00" in header_value:
            # The value may come from the environment: never echo it.
            raise FieldValueError((name,), "header value contains a line break or NUL")
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _check_dotted_path(value: str) -> str:
    value = value.strip()
    if value and any(not part for part in value.split(".")):
        raise ValueError(f"invalid dotted path {value!r} (empty segment)")
    return value


Cadence = Annotated[str, BeforeValidator(_check_cadence)]
HttpUrl = Annotated[str, AfterValidator(check_http_url)]
SourceUrl = Annotated[str, AfterValidator(_check_source_url)]
HostEntry = Annotated[str, AfterValidator(_check_host_entry)]
ResolveTarget = Annotated[str, AfterValidator(_check_resolve_target)]
Regex = Annotated[re.Pattern[str], BeforeValidator(_check_regex)]
Tags = Annotated[list[str], AfterValidator(_check_tags)]
Headers = Annotated[dict[str, str], AfterValidator(_check_headers)]
NonEmptyStr = Annotated[str, AfterValidator(_non_empty)]
DottedPath = Annotated[str, AfterValidator(_check_dotted_path)]


class StrictModel(BaseModel):
    """Unknown keys are errors; loaded catalogues are immutable (shared between threads)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# -- rules -----------------------------------------------------------------------------------------

RULE_FIELDS: tuple[str, ...] = ("title", "url", "author", "text", "tag")


class Rule(StrictModel):
    """Keep/block rule: every given field's regex must `re.search`-match (tag: any tag)."""

    title: Regex | None = None
    url: Regex | None = None
    author: Regex | None = None
    text: Regex | None = None
    tag: Regex | None = None

    @model_validator(mode="after")
    def _at_least_one_field(self) -> Rule:
        if not self.patterns:
            raise ValueError(f"a rule needs at least one of: {', '.join(RULE_FIELDS)}")
        return self

    @property
    def patterns(self) -> dict[str, re.Pattern[str]]:
        """field -> compiled regex, for the fields this rule sets (in `RULE_FIELDS` order)."""
        out: dict[str, re.Pattern[str]] = {}
        for name in RULE_FIELDS:
            pattern = getattr(self, name)
            if pattern is not None:
                out[name] = pattern
        return out

    @property
    def fields(self) -> list[str]:
        return list(self.patterns)

    def describe(self) -> str:
        """`title~(?i)sponsored, url~example\\.com`: how `hidden_by` and reports name a rule."""
        return ", ".join(f"{name}~{p.pattern}" for name, p in self.patterns.items())

    def matches(
        self,
        *,
        title: str | None = None,
        url: str | None = None,
        author: str | None = None,
        text: str | None = None,
        tags: Iterable[str] = (),
    ) -> bool:
        """True when every field of the rule matches (a missing value never matches)."""
        values = {"title": title, "url": url, "author": author, "text": text}
        for name, pattern in self.patterns.items():
            if name == "tag":
                if not any(pattern.search(t) for t in tags):
                    return False
            else:
                value = values[name]
                if value is None or pattern.search(value) is None:
                    return False
        return True


# -- sources ---------------------------------------------------------------------------------------

DEFAULT_BASE_URLS: dict[str, str] = {
    "hackernews": "https://hacker-news.firebaseio.com",
    "reddit": "https://www.reddit.com",
    "lobsters": "https://lobste.rs",
    "arxiv": "https://export.arxiv.org",
    "github_trending": "https://github.com",
    "youtube": "https://www.youtube.com",
}


def _check_id(value: str) -> str:
    if not ID_RE.fullmatch(value):
        raise ValueError(f"invalid id {value!r} (use only a-z, 0-9, '_' and '-')")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"invalid id {value!r} (at most {MAX_ID_LENGTH} characters)")
    return value


SourceId = Annotated[str, AfterValidator(_check_id)]


class SourceBase(StrictModel):
    """Fields every source has. `url` is always set after validation: platform kinds fill
    in their default base URL (`DEFAULT_BASE_URLS`) when the catalogue leaves it out."""

    default_url: ClassVar[str | None] = None

    id: SourceId
    kind: str
    url: SourceUrl
    every: Cadence = "1h"
    limit: int | None = Field(default=None, gt=0, le=10_000)
    tags: Tags = Field(default_factory=list)
    headers: Headers = Field(default_factory=dict, repr=False)  # may hold secrets from ${ENV}
    keep: list[Rule] = Field(default_factory=list)
    block: list[Rule] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _fill_default_url(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and cls.default_url and data.get("url") is None:
            return {**data, "url": cls.default_url}
        return data

    @classmethod
    def conflicts(cls, data: Mapping[str, Any]) -> list[FieldValueError]:
        """Cross-field problems of this kind, judged on the source as written.

        The loader calls this on every source even when other fields are invalid (so all
        problems are reported at once); validation runs it again on a valid source.
        """
        return []

    @model_validator(mode="after")
    def _no_conflicts(self) -> SourceBase:
        written = {name: getattr(self, name) for name in self.model_fields_set}
        for problem in self.conflicts(written):
            raise problem
        return self

    @property
    def every_td(self) -> timedelta:
        """`every` as a timedelta."""
        return parse_cadence(self.every)

    @property
    def effective_url(self) -> str:
        """The feed/page URL (rss, html, json_api) or the platform base URL, defaults applied."""
        return self.url

    @property
    def url_is_default(self) -> bool:
        return self.default_url is not None and self.url == self.default_url

    @property
    def options(self) -> dict[str, Any]:
        """The kind-specific options (everything beyond the common fields), as plain data."""
        common = set(SourceBase.model_fields)
        return {k: v for k, v in self.model_dump().items() if k not in common}


class PlatformSource(SourceBase):
    """A kind whose `url` is a base URL the collector appends the platform's API paths to."""

    @field_validator("url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.query or parts.fragment:
            raise ValueError(f"invalid base URL {_shown(value)} (no query or fragment allowed)")
        return value.rstrip("/")

    def endpoint(self, path: str) -> str:
        """`path` (starting with '/') under the base URL."""
        return self.url + path


class RssSource(SourceBase):
    kind: Literal["rss"]


class HackerNewsSource(PlatformSource):
    default_url: ClassVar[str | None] = DEFAULT_BASE_URLS["hackernews"]
    kind: Literal["hackernews"]
    listing: Literal["top", "new", "best", "ask", "show"] = "top"


_SUBREDDIT_RE = re.compile(r"[A-Za-z0-9_]{2,21}(\+[A-Za-z0-9_]{2,21})*")


def _check_subreddit(value: str) -> str:
    name = value.strip().removeprefix("/").removeprefix("r/")
    if not _SUBREDDIT_RE.fullmatch(name):
        raise ValueError(f"invalid subreddit {value!r} (e.g. programming, or python+rust)")
    return name


class RedditSource(PlatformSource):
    default_url: ClassVar[str | None] = DEFAULT_BASE_URLS["reddit"]
    kind: Literal["reddit"]
    subreddit: Annotated[str, AfterValidator(_check_subreddit)]
    listing: Literal["hot", "new", "top", "rising"] = "hot"


_LOBSTERS_TAG_RE = re.compile(r"[A-Za-z0-9_+.-]+")


def _check_lobsters_tag(value: str) -> str:
    if not _LOBSTERS_TAG_RE.fullmatch(value):
        raise ValueError(f"invalid lobsters tag {value!r}")
    return value


class LobstersSource(PlatformSource):
    """Either a `listing` (default hottest) or a `tag`: after validation exactly one is set."""

    default_url: ClassVar[str | None] = DEFAULT_BASE_URLS["lobsters"]
    kind: Literal["lobsters"]
    listing: Literal["hottest", "newest"] | None = "hottest"
    tag: Annotated[str, AfterValidator(_check_lobsters_tag)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _tag_replaces_listing(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("listing") is None:
            return {**data, "listing": None if data.get("tag") is not None else "hottest"}
        return data

    @classmethod
    def conflicts(cls, data: Mapping[str, Any]) -> list[FieldValueError]:
        if data.get("tag") is not None and data.get("listing") is not None:
            return [FieldValueError(("tag",), "give either `listing` or `tag`, not both")]
        return []


class ArxivSource(PlatformSource):
    default_url: ClassVar[str | None] = DEFAULT_BASE_URLS["arxiv"]
    kind: Literal["arxiv"]
    query: NonEmptyStr


_LANGUAGE_RE = re.compile(r"[A-Za-z0-9_+#.\- ]+")


def _check_language(value: str) -> str:
    value = value.strip()
    if not _LANGUAGE_RE.fullmatch(value):
        raise ValueError(f"invalid language {value!r} (e.g. python, c++, c#)")
    return value


class GithubTrendingSource(PlatformSource):
    default_url: ClassVar[str | None] = DEFAULT_BASE_URLS["github_trending"]
    kind: Literal["github_trending"]
    since: Literal["daily", "weekly", "monthly"] = "daily"
    language: Annotated[str, AfterValidator(_check_language)] | None = None


_CHANNEL_ID_RE = re.compile(r"UC[A-Za-z0-9_-]{22}")


def _check_channel_id(value: str) -> str:
    if not _CHANNEL_ID_RE.fullmatch(value):
        raise ValueError(
            f"invalid channel_id {value!r} (expected 'UC' followed by 22 letters, digits, _ or -)"
        )
    return value


class YoutubeSource(PlatformSource):
    default_url: ClassVar[str | None] = DEFAULT_BASE_URLS["youtube"]
    kind: Literal["youtube"]
    channel_id: Annotated[str, AfterValidator(_check_channel_id)]


_PSEUDO_ELEMENT_RE = re.compile(r"::[A-Za-z-]+")


def _check_css_selector(value: str) -> str:
    """A selector the `html` collector can compile: checked here with the very translator
    it uses (cssselect's HTML translator through lxml), so a bad one is a catalogue error."""
    try:
        CSSSelector(value, translator="html")
    except (SelectorError, etree.XPathError) as exc:
        reason = str(exc).rstrip(".")
        if _PSEUDO_ELEMENT_RE.search(value):
            reason = (
                "pseudo-elements such as ::text or ::attr(href) are not supported: select the "
                "element itself, riverbed reads its text and its link's href"
            )
        raise ValueError(f"invalid CSS selector {value!r} ({reason})") from None
    return value


CssSelector = Annotated[str, AfterValidator(_non_empty), AfterValidator(_check_css_selector)]


class HtmlSelectors(StrictModel):
    """CSS selectors: `item` selects each entry; the others are relative to an item."""

    item: CssSelector
    title: CssSelector
    link: CssSelector
    date: CssSelector | None = None
    summary: CssSelector | None = None
    author: CssSelector | None = None


class HtmlSource(SourceBase):
    kind: Literal["html"]
    selectors: HtmlSelectors


class JsonFields(StrictModel):
    """Dotted paths inside one element of the items list (`id` and `comments_url` are
    riverbed extensions: a stable external id, and a discussion URL)."""

    title: DottedPath
    url: DottedPath
    published_at: DottedPath | None = None
    author: DottedPath | None = None
    score: DottedPath | None = None
    comments: DottedPath | None = None
    text: DottedPath | None = None
    id: DottedPath | None = None
    comments_url: DottedPath | None = None


class JsonApiSource(SourceBase):
    kind: Literal["json_api"]
    items: DottedPath = Field(description="dotted path to the list of items ('' = the document)")
    fields: JsonFields


Source = Annotated[
    RssSource
    | HackerNewsSource
    | RedditSource
    | LobstersSource
    | ArxivSource
    | GithubTrendingSource
    | YoutubeSource
    | HtmlSource
    | JsonApiSource,
    Field(discriminator="kind"),
]

SOURCE_MODELS: dict[str, type[SourceBase]] = {
    "rss": RssSource,
    "hackernews": HackerNewsSource,
    "reddit": RedditSource,
    "lobsters": LobstersSource,
    "arxiv": ArxivSource,
    "github_trending": GithubTrendingSource,
    "youtube": YoutubeSource,
    "html": HtmlSource,
    "json_api": JsonApiSource,
}
KINDS: tuple[str, ...] = tuple(SOURCE_MODELS)
PLATFORM_KINDS: tuple[str, ...] = tuple(DEFAULT_BASE_URLS)


# -- settings --------------------------------------------------------------------------------------

NotifyEvent = Literal["run_failed", "source_failed", "source_stale", "source_recovered"]
NOTIFY_EVENTS: tuple[NotifyEvent, ...] = (
    "run_failed",
    "source_failed",
    "source_stale",
    "source_recovered",
)


def _check_events(value: list[NotifyEvent]) -> list[NotifyEvent]:
    if not value:
        raise ValueError(f"at least one event is needed ({', '.join(NOTIFY_EVENTS)})")
    return list(dict.fromkeys(value))


class NotifyTarget(StrictModel):
    """Where state changes are POSTed. `url` and `headers` may carry secrets: not in repr."""

    url: HttpUrl = Field(repr=False)
    format: Literal["json", "slack", "ntfy"] = "json"
    on: Annotated[list[NotifyEvent], AfterValidator(_check_events)] = Field(
        default_factory=lambda: list(NOTIFY_EVENTS)
    )
    headers: Headers = Field(default_factory=dict, repr=False)


DEFAULT_USER_AGENT = "riverbed/0.1 (+https://github.com/riverbed-dev/riverbed)"


def _check_proxy(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        check_http_url(value.strip())
    except ValueError:
        # The proxy may embed credentials: say what is wrong without echoing it.
        raise ValueError("invalid proxy URL (expected http://[user:pass@]host:port)") from None
    return value.strip()


def _check_user_agent(value: str) -> str:
    value = value.strip()
    if not value or _CONTROL_RE.search(value):
        raise ValueError("user_agent must be one printable line")
    return value


class LLMSettings(StrictModel):
    """An OpenAI-compatible chat-completions endpoint for summaries. `base_url` and `api_key`
    usually come from the environment (`${OPENAI_BASE_URL}`); an unset variable leaves the
    summariser unconfigured (skipped with a reason) rather than failing the catalogue."""

    base_url: str = Field(default="", repr=False)  # e.g. http://127.0.0.1:11434/v1
    model: NonEmptyStr = "gpt-4o-mini"
    api_key: str = Field(default="", repr=False)
    max_tokens_per_run: int = Field(default=50_000, ge=0, le=100_000_000)
    max_output_tokens: int = Field(default=120, ge=16, le=4096)
    timeout_s: float = Field(default=60.0, gt=0, le=600)
    concurrency: int = Field(default=4, ge=1, le=64)

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                check_http_url(value)
            except ValueError:
                raise ValueError("invalid base_url (expected http(s)://host[:port]/path)") from None
        return value.rstrip("/")

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


class SummarySettings(StrictModel):
    method: Literal["extractive", "llm"] = "extractive"
    llm: LLMSettings | None = None

    @model_validator(mode="after")
    def _llm_needs_endpoint(self) -> SummarySettings:
        if self.method == "llm" and self.llm is None:
            raise FieldValueError(("llm",), "summaries.method is llm but no llm endpoint is set")
        return self


class EnrichSettings(StrictModel):
    """The enrich stage: which embedder, how many topics, how summaries are written."""

    # auto: the packaged sentence-transformers model when the `ai` extra is installed,
    # else the dependency-free hashing embedder
    embeddings: Literal["auto", "hashing", "minilm"] = "auto"
    max_topics: int = Field(default=12, ge=1, le=200)
    summaries: SummarySettings = Field(default_factory=SummarySettings)


class Settings(StrictModel):
    """The optional `settings` block: fetch limits, safety, interests, rules, notifications."""

    user_agent: Annotated[str, AfterValidator(_check_user_agent)] = DEFAULT_USER_AGENT
    per_host_concurrency: int = Field(default=4, ge=1, le=64)
    per_host_delay_ms: int = Field(default=0, ge=0, le=600_000)
    connect_timeout_s: float = Field(default=10.0, gt=0, le=600)
    timeout_s: float = Field(default=30.0, gt=0, le=3600)
    max_body_mb: float = Field(default=10.0, gt=0, le=1024)
    fetch_articles: bool = True
    # article pages fetched per run at most (ranked stories first; the rest in later runs)
    article_budget: int = Field(default=300, ge=0, le=100_000)
    # minimum spacing of article requests to one host (politeness; sources use per_host_delay_ms)
    article_delay_ms: int = Field(default=500, ge=0, le=600_000)
    # a kind with more sources than this is collected in hash buckets, not one partition per
    # source (Dagster's bookkeeping per partition would dominate a run): see core/slots.py
    source_buckets_above: int = Field(default=200, ge=0, le=10_000_000)
    allow_private_hosts: list[HostEntry] = Field(default_factory=list)
    resolve: dict[HostEntry, ResolveTarget] = Field(default_factory=dict)
    interests: list[NonEmptyStr] = Field(default_factory=list)
    proxy: Annotated[str | None, AfterValidator(_check_proxy)] = Field(default=None, repr=False)
    keep: list[Rule] = Field(default_factory=list)
    block: list[Rule] = Field(default_factory=list)
    notify: list[NotifyTarget] = Field(default_factory=list)
    enrich: EnrichSettings = Field(default_factory=EnrichSettings)

    @model_validator(mode="after")
    def _connect_within_total(self) -> Settings:
        if self.connect_timeout_s > self.timeout_s:
            raise FieldValueError(
                ("connect_timeout_s",),
                f"connect_timeout_s ({self.connect_timeout_s:g}) is longer than "
                f"timeout_s ({self.timeout_s:g}), the deadline of the whole request",
            )
        return self

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)


# -- the catalogue ---------------------------------------------------------------------------------


def duplicate_ids(ids: Iterable[object]) -> list[tuple[int, int, str]]:
    """(index of a repeat, index of the first use, id) for every repeated id."""
    first: dict[str, int] = {}
    out: list[tuple[int, int, str]] = []
    for index, source_id in enumerate(ids):
        if not isinstance(source_id, str):
            continue
        if source_id in first:
            out.append((index, first[source_id], source_id))
        else:
            first[source_id] = index
    return out


def duplicate_id_message(source_id: str, first_index: int) -> str:
    return f"duplicate id {source_id!r} (already used by sources[{first_index}])"


class Catalogue(StrictModel):
    """A whole `sources.yaml`."""

    sources: list[Source]
    settings: Settings = Field(default_factory=Settings)

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalogue:
        for index, first, source_id in duplicate_ids(s.id for s in self.sources):
            raise FieldValueError(("sources", index, "id"), duplicate_id_message(source_id, first))
        return self

    @property
    def by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    def source(self, source_id: str) -> Source:
        """The source with this id; KeyError if there is none."""
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)

    def sources_by_kind(self) -> dict[str, list[Source]]:
        out: dict[str, list[Source]] = {}
        for s in self.sources:
            out.setdefault(s.kind, []).append(s)
        return out
