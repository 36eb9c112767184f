"""Optional story summaries from an OpenAI-compatible chat-completions endpoint.

`summarise(requests, config, cached)` returns one `SummaryResult` per request, in order, plus
error records and run statistics (`SummaryBatch`). Nothing here raises for endpoint trouble:
a story the model did not summarise gets the extractive summary
(`riverbed.enrich.summary.extractive_summary`), method `"extractive"`.

- Endpoint: `POST {base_url}/chat/completions` with `{model, messages, max_tokens,
  temperature}` and `Authorization: Bearer <api_key>` when a key is set. The URL is operator
  configuration, fetched as given like a catalogue URL: loopback and private addresses are
  allowed (local Ollama, vLLM and llama.cpp servers are common). Requests go through the one
  HTTP client (`HttpClient.post`): same deadline, proxy and retry rules as every fetch.
- Prompt: versioned in the repo (`prompts/<PROMPT_VERSION>.md`); a summary the model wrote is
  recorded as `llm:<model>:<PROMPT_VERSION>` (`LLMConfig.method`), cached or fresh.
- Cache: the caller passes earlier summaries (`cached`, content key -> summary) and stores
  `SummaryBatch.new_entries`. Namespace that cache by `config.method`: a summary is only valid
  for the model and prompt version that wrote it. Cached summaries are always used, budget or
  not, and cost nothing. Stories sharing a content key are sent once.
- Budget: before each request its tokens are estimated (prompt characters / 4 +
  `max_output_tokens`); once tokens used (the answers' `usage.total_tokens`, estimated when
  missing) plus tokens reserved by requests in flight plus that estimate would pass
  `max_tokens_per_run`, the run stops calling the endpoint: that story and every later
  uncached one are summarised extractively, under ONE `budget_exhausted` record.
- Failures: 429/5xx and connection failures are retried by the client (at most `retries`
  times, `Retry-After` honoured up to `max_retry_after_s`); a story still failing (HTTP
  status, timeout, connection error, malformed JSON, no `choices[0].message.content`, an
  empty or absurdly long answer) falls back and keeps an error record. After
  `breaker_failures` consecutive failed stories the endpoint is not called again in this run
  (one record covers the stories left).
- `network=False` (replay): no request at all; cached summaries only, the rest extractive,
  no error records (the stats say why: `fallbacks["offline"]`).
- Secrets: the API key is never in a repr, a message, a record or a log line.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riverbed.core.errors import ErrorKind
from riverbed.fetch.client import HttpClient
from riverbed.fetch.redact import REDACTED, redact_text
from riverbed.fetch.types import FetchResponse, FetchSettings

if TYPE_CHECKING:
    from riverbed.core.catalogue.models import LLMSettings

log = logging.getLogger(__name__)

PROMPT_VERSION = "summary-v1"
PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
EXTRACTIVE = "extractive"
MAX_ANSWER_BYTES = 1024 * 1024  # a chat completion of ~120 tokens is a few kB

# Reasons a story was summarised extractively, besides the error kinds of failed requests.
CIRCUIT_OPEN = "circuit_open"
OFFLINE = "offline"
NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True, slots=True)
class LLMConfig:
    """Where and how to ask for summaries. `api_key` is kept out of repr (and so out of
    every message that formats the config)."""

    base_url: str  # e.g. http://127.0.0.1:11434/v1; requests go to {base_url}/chat/completions
    model: str
    api_key: str | None = field(default=None, repr=False)
    max_tokens_per_run: int = 50_000  # the per-run budget, prompt and answer tokens together
    max_output_tokens: int = 120
    timeout_s: float = 60.0  # per story: connects, retries, backoff and the answer
    max_input_chars: int = 4000  # story text beyond this is clipped before it is sent
    concurrency: int = 4
    temperature: float = 0.0
    max_summary_chars: int = 600  # longer answers are cut at a word; 4x longer is a failure
    retries: int = 2  # extra attempts on 429/5xx/connection failures
    retry_backoff_s: float = 0.5
    max_retry_after_s: float = 10.0  # a longer Retry-After ends the request (rate_limited)
    breaker_failures: int = 3  # consecutive failed stories before the endpoint is left alone

    def __post_init__(self) -> None:
        if not re.match(r"https?://[^/\s]", self.base_url):
            raise ValueError("LLM base_url must be an http(s) URL")
        if not self.model.strip():
            raise ValueError("LLM model must not be empty")
        if self.api_key is not None and (not self.api_key or re.search(r"\s", self.api_key)):
            # a header value with a line break would end in an exception text: refuse it here
            raise ValueError("LLM api_key is empty or contains whitespace (the key is not shown)")
        for name in ("max_output_tokens", "max_input_chars", "concurrency", "breaker_failures"):
            if getattr(self, name) < 1:
                raise ValueError(f"LLM {name} must be at least 1")
        if self.max_tokens_per_run < 0 or self.retries < 0 or self.timeout_s <= 0:
            raise ValueError("LLM max_tokens_per_run and retries must be >= 0, timeout_s > 0")

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    @property
    def method(self) -> str:
        """What `enrichments.summary_method` records for this model's summaries."""
        return f"llm:{self.model}:{PROMPT_VERSION}"

    @classmethod
    def from_settings(cls, settings: LLMSettings | None) -> LLMConfig | None:
        """The config for the catalogue's `settings.enrich.summaries.llm`; None when it is
        absent or unconfigured (its base URL came from an unset variable)."""
        if settings is None or not settings.configured:
            return None
        return cls(
            base_url=settings.base_url,
            model=settings.model,
            api_key=settings.api_key.strip() or None,
            max_tokens_per_run=settings.max_tokens_per_run,
            max_output_tokens=settings.max_output_tokens,
            timeout_s=settings.timeout_s,
            concurrency=settings.concurrency,
        )


@dataclass(frozen=True, slots=True)
class Prompt:
    version: str
    system: str
    user: str  # template: {title} and {text} are replaced

    def messages(self, title: str, text: str) -> list[dict[str, str]]:
        values = {"title": title, "text": text}
        # one pass, so a title containing "{text}" is not expanded a second time
        user = re.sub(r"\{(title|text)\}", lambda m: values[m.group(1)], self.user)
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


@functools.cache
def load_prompt(version: str = PROMPT_VERSION) -> Prompt:
    """The prompt file `prompts/<version>.md`: an optional HTML comment, then `## system` and
    `## user` sections."""
    raw = (PROMPTS_DIR / f"{version}.md").read_text(encoding="utf-8")
    raw = re.sub(r"<!--.*?-->", "", raw, flags=re.DOTALL)
    parts = re.split(r"^## (system|user)[ \t]*$", raw, flags=re.MULTILINE)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if not sections.get("system") or "{text}" not in sections.get("user", ""):
        raise ValueError(f"prompt {version}: needs a '## system' and a '## user' with {{text}}")
    return Prompt(version=version, system=sections["system"], user=sections["user"])


@dataclass(frozen=True, slots=True)
class SummaryRequest:
    key: str  # content hash of the story, computed by the caller: the cache key
    title: str
    text: str | None


@dataclass(frozen=True, slots=True)
class SummaryError:
    """One error record (contract `error_kind`; message redacted, never the API key). `key`
    is the story's content key, None for a run-level record (budget stop, circuit breaker)
    covering `stories` stories."""

    error_kind: ErrorKind
    message: str
    key: str | None = None
    http_status: int | None = None
    stories: int = 1


@dataclass(frozen=True, slots=True)
class SummaryResult:
    key: str
    summary: str | None
    method: str | None  # llm:<model>:<version> | "extractive" | None (no text to summarise)
    cached: bool = False
    fallback: str | None = None  # why the model's summary is missing (a `fallbacks` key)
    error: SummaryError | None = None  # this story's own failure, when it had one


@dataclass  # no slots: callers record `vars(stats)`
class SummaryStats:
    stories: int = 0
    requests: int = 0  # chat completions asked for (one per story sent)
    attempts: int = 0  # HTTP requests sent, retries included
    tokens_used: int = 0
    tokens_estimated: int = 0  # the part of tokens_used estimated (answers without usage)
    cache_hits: int = 0
    llm: int = 0  # fresh summaries written by the model in this run
    extractive: int = 0
    no_summary: int = 0  # no text to summarise
    fallbacks: dict[str, int] = field(default_factory=dict)  # reason -> stories
    budget_stopped: bool = False
    circuit_opened: bool = False


@dataclass(slots=True)
class SummaryBatch:
    results: list[SummaryResult]  # one per request, in request order
    errors: list[SummaryError]
    stats: SummaryStats
    new_entries: dict[str, str]  # content key -> summary written in this run, for the caller


def estimate_tokens(messages: Sequence[Mapping[str, str]], max_output_tokens: int) -> int:
    """Pessimistic token count of one request: prompt characters / 4 plus the answer cap."""
    chars = sum(len(m["content"]) for m in messages)
    return math.ceil(chars / 4) + max_output_tokens


def clean_summary(answer: str, max_chars: int) -> str:
    """The model's answer as a plain one-paragraph summary: reasoning blocks (`<think>`)
    dropped, whitespace collapsed, wrapping quotes removed, cut at a word past `max_chars`."""
    return _clip(_plain(answer), max_chars)


def _plain(answer: str) -> str:
    text = re.sub(r"<think>.*?(</think>|$)", " ", answer, flags=re.DOTALL | re.IGNORECASE)
    text = " ".join(text.split())
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
        text = text[1:-1].strip()
    return text


def summarise(
    requests: Sequence[SummaryRequest],
    config: LLMConfig | None,
    cached: Mapping[str, str],
    *,
    network: bool = True,
) -> SummaryBatch:
    """Summaries for `requests` (see the module docstring). `config` None: the summariser is
    not configured, every story is summarised extractively (`fallbacks["not_configured"]`).
    Runs its own event loop: from async code use `summarise_async`."""
    return asyncio.run(summarise_async(requests, config, cached, network=network))


async def summarise_async(
    requests: Sequence[SummaryRequest],
    config: LLMConfig | None,
    cached: Mapping[str, str],
    *,
    network: bool = True,
) -> SummaryBatch:
    """`summarise` for callers already inside an event loop."""
    stats = SummaryStats(stories=len(requests))
    fresh: dict[str, str] = {}
    failed: dict[str, tuple[str, SummaryError | None]] = {}  # key -> (reason, own error)
    errors: list[SummaryError] = []

    pending: dict[str, SummaryRequest] = {}  # first request per uncached key, in order
    for req in requests:
        if config is not None and req.key in cached:
            continue
        if _has_text(req.text):
            pending.setdefault(req.key, req)

    if pending and config is not None and network:
        run = _Run(config, load_prompt(), stats)
        await run.all(list(pending.values()), requests)
        fresh, failed, errors = run.answers, run.failed, run.errors
    elif pending:
        reason = NOT_CONFIGURED if config is None else OFFLINE
        failed = dict.fromkeys(pending, (reason, None))

    results = [_result(req, config, cached, fresh, failed, stats) for req in requests]
    for reason, n in Counter(r.fallback for r in results if r.fallback).items():
        stats.fallbacks[reason] = n
    if stats.requests or stats.fallbacks:
        log.info(
            "summaries: %d stories, %d from cache, %d from the model (%d requests, %d tokens), "
            "%d extractive %s",
            stats.stories,
            stats.cache_hits,
            stats.llm,
            stats.requests,
            stats.tokens_used,
            stats.extractive,
            stats.fallbacks or "",
        )
    return SummaryBatch(results=results, errors=errors, stats=stats, new_entries=fresh)


def _result(
    req: SummaryRequest,
    config: LLMConfig | None,
    cached: Mapping[str, str],
    fresh: Mapping[str, str],
    failed: Mapping[str, tuple[str, SummaryError | None]],
    stats: SummaryStats,
) -> SummaryResult:
    if config is not None and req.key in cached:
        stats.cache_hits += 1
        return SummaryResult(req.key, cached[req.key], config.method, cached=True)
    if config is not None and req.key in fresh:
        stats.llm += 1
        return SummaryResult(req.key, fresh[req.key], config.method)
    from riverbed.enrich.summary import extractive_summary  # task C's module, loaded on use

    summary = extractive_summary(req.title, req.text)
    if summary is None:
        stats.no_summary += 1
    else:
        stats.extractive += 1
    reason, error = failed.get(req.key, (None, None))
    return SummaryResult(
        req.key,
        summary,
        EXTRACTIVE if summary is not None else None,
        fallback=reason,
        error=error,
    )


class _Run:
    """One run's requests: budget, concurrency and circuit breaker state."""

    def __init__(self, config: LLMConfig, prompt: Prompt, stats: SummaryStats) -> None:
        self.config = config
        self.prompt = prompt
        self.stats = stats
        self.answers: dict[str, str] = {}
        self.failed: dict[str, tuple[str, SummaryError | None]] = {}
        self.errors: list[SummaryError] = []
        self.reserved = 0
        self.consecutive: list[ErrorKind] = []  # kinds of the current run of failures
        self.tripped_by: list[ErrorKind] = []  # the failures that opened the circuit
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if config.api_key:
            self.headers["Authorization"] = f"Bearer {config.api_key}"

    async def all(self, pending: list[SummaryRequest], requests: Sequence[SummaryRequest]) -> None:
        c = self.config
        settings = FetchSettings(
            per_host_concurrency=c.concurrency,
            total_concurrency=c.concurrency,
            connect_timeout_s=min(c.timeout_s, 10.0),
            timeout_s=c.timeout_s,
            max_body_bytes=MAX_ANSWER_BYTES,
            retries=c.retries,
            backoff_base_s=c.retry_backoff_s,
            max_retry_after_s=c.max_retry_after_s,
        )
        slots = asyncio.Semaphore(c.concurrency)
        tasks: list[asyncio.Task[None]] = []
        left: list[SummaryRequest] = []
        stop: str | None = None
        budget_note = ""
        async with HttpClient(settings) as client:
            for i, req in enumerate(pending):
                await slots.acquire()  # wait here so the budget sees earlier answers' usage
                messages = self.prompt.messages(
                    _clip(" ".join(req.title.split()), 300),
                    _clip(_tidy(req.text or ""), c.max_input_chars),
                )
                estimate = estimate_tokens(messages, c.max_output_tokens)
                if self.tripped_by:
                    stop = CIRCUIT_OPEN
                elif self.stats.tokens_used + self.reserved + estimate > c.max_tokens_per_run:
                    stop = ErrorKind.BUDGET_EXHAUSTED.value
                    budget_note = (
                        f"token budget of {c.max_tokens_per_run} reached "
                        f"({self.stats.tokens_used} used, {self.reserved} in flight, "
                        f"the next request needs up to {estimate})"
                    )
                if stop is not None:
                    slots.release()
                    left = pending[i:]
                    break
                self.reserved += estimate
                tasks.append(asyncio.create_task(self._one(client, req, messages, estimate, slots)))
            await asyncio.gather(*tasks)
        if not left:
            return
        keys = {r.key for r in left}
        stories = sum(1 for r in requests if r.key in keys)
        for key in keys:
            self.failed[key] = (stop or "", None)
        if stop == CIRCUIT_OPEN:
            self.stats.circuit_opened = True
            self._circuit_record(stories)
        else:
            self.stats.budget_stopped = True
            message = f"{budget_note}: {stories} stories summarised extractively instead"
            log.warning("summaries: %s", message)
            self.errors.append(SummaryError(ErrorKind.BUDGET_EXHAUSTED, message, stories=stories))

    def _circuit_record(self, stories: int) -> None:
        kinds = ", ".join(sorted({k.value for k in self.tripped_by}))
        message = (
            f"{len(self.tripped_by)} consecutive failed requests ({kinds}) to "
            f"{self._shown_endpoint()}: not called again in this run; "
            f"{stories} stories summarised extractively instead"
        )
        log.warning("summaries: %s", message)
        self.errors.append(SummaryError(self.tripped_by[-1], message, stories=stories))

    async def _one(
        self,
        client: HttpClient,
        req: SummaryRequest,
        messages: list[dict[str, str]],
        estimate: int,
        slots: asyncio.Semaphore,
    ) -> None:
        c = self.config
        body = json.dumps(
            {
                "model": c.model,
                "messages": messages,
                "max_tokens": c.max_output_tokens,
                "temperature": c.temperature,
            },
            ensure_ascii=False,
        ).encode()
        try:
            resp = await client.post(c.endpoint, body, headers=self.headers, trusted=True)
            self.stats.requests += 1
            self.stats.attempts += len(resp.attempts)
            outcome = self._read(resp, req.key, messages)
        finally:
            self.reserved -= estimate
            slots.release()
        if isinstance(outcome, SummaryError):
            self.failed[req.key] = (outcome.error_kind.value, outcome)
            self.errors.append(outcome)
            self.consecutive.append(outcome.error_kind)
            if len(self.consecutive) >= c.breaker_failures and not self.tripped_by:
                self.tripped_by = list(self.consecutive)
            return
        self.answers[req.key] = outcome
        self.consecutive.clear()

    def _read(
        self, resp: FetchResponse, key: str, messages: list[dict[str, str]]
    ) -> str | SummaryError:
        """The cleaned summary of one response, or why there is none; counts its tokens."""

        def error(kind: ErrorKind, message: str) -> SummaryError:
            return SummaryError(kind, self._scrub(message), key=key, http_status=resp.status)

        if not resp.ok or resp.body is None:
            return error(
                resp.error_kind or ErrorKind.HTTP_STATUS,
                resp.error_message or f"HTTP {resp.status} from {self._shown_endpoint()}",
            )
        where = f"from {self._shown_endpoint()}"
        try:
            data: Any = json.loads(resp.body)
        except ValueError:  # UnicodeDecodeError included
            return error(ErrorKind.PARSE_ERROR, f"answer {where} is not JSON")
        content = _content(data)
        self._count_tokens(data, messages, content)
        if content is None:
            return error(
                ErrorKind.PARSE_ERROR,
                f"answer {where} has no choices[0].message.content string",
            )
        limit = self.config.max_summary_chars
        summary = _plain(content)
        if not summary:
            return error(ErrorKind.PARSE_ERROR, f"empty answer {where}")
        if len(summary) > 4 * limit:
            return error(
                ErrorKind.PARSE_ERROR,
                f"answer {where} is {len(summary)} characters long, not a summary",
            )
        return _clip(summary, limit)

    def _count_tokens(self, data: Any, messages: list[dict[str, str]], content: str | None) -> None:
        usage = data.get("usage") if isinstance(data, dict) else None
        total = usage.get("total_tokens") if isinstance(usage, dict) else None
        if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
            self.stats.tokens_used += total
            return
        guess = estimate_tokens(messages, 0) + math.ceil(len(content or "") / 4)
        self.stats.tokens_used += guess
        self.stats.tokens_estimated += guess

    def _shown_endpoint(self) -> str:
        return self._scrub(self.config.endpoint)

    def _scrub(self, text: str) -> str:
        text = redact_text(text)
        key = self.config.api_key
        return text.replace(key, REDACTED) if key else text


def _content(data: Any) -> str | None:
    """`choices[0].message.content` when it is a string, else None."""
    if not isinstance(data, dict):
        return None
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else None


def _tidy(text: str) -> str:
    """Runs of spaces and blank lines squeezed: tokens spent on the story, not on layout."""
    text = re.sub(r"[^\S\n]+", " ", text)
    return re.sub(r" ?\n[\s]*", "\n", text).strip()


def _has_text(text: str | None) -> bool:
    return bool(text and text.strip())


def _clip(text: str, max_chars: int) -> str:
    """`text` cut to at most `max_chars` characters at a word boundary, marked with '…'."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"
