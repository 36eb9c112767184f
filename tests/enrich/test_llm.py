"""The LLM summariser against an OpenAI-compatible server on 127.0.0.1 (openai_server.py
speaks the real chat-completions wire format and checks every request)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from enrich.openai_server import OpenAIServer, Reply, ServerThread, answer_for
from loopback import refused_port
from riverbed.core.catalogue.models import LLMSettings
from riverbed.core.errors import ErrorKind
from riverbed.enrich.llm import (
    PROMPT_VERSION,
    LLMConfig,
    SummaryBatch,
    SummaryRequest,
    clean_summary,
    estimate_tokens,
    load_prompt,
    summarise,
)
from riverbed.enrich.summary import extractive_summary

MODEL = "tiny-test-model"
METHOD = f"llm:{MODEL}:summary-v1"

STORIES = [
    (
        "City council approves new tram line to the harbour",
        "The city council voted 31 to 12 on Tuesday to build a tram line linking the central "
        "station with the harbour district. Construction is due to start next spring and will "
        "take three years. The line will cost 420 million euros, most of it paid by the "
        "regional government. Opponents said the money would be better spent on buses.",
    ),
    (
        "Researchers release an open dataset of river temperatures",
        "A team of hydrologists published ten years of hourly temperature readings from 240 "
        "river gauges. The data shows summer peaks rising by about half a degree per decade. "
        "The researchers hope the dataset will help fisheries plan for warmer water. It is "
        "available under an open licence.",
    ),
    (
        "Local bakery wins national bread award",
        "A family bakery in the old town won the national prize for sourdough bread on "
        "Saturday. The judges praised its crust and its use of regional flour. The owners said "
        "they would keep prices unchanged. The bakery has been run by the same family since "
        "1952.",
    ),
    (
        "Storm closes mountain pass for two days",
        "Heavy snow and winds of up to 120 kilometres an hour closed the mountain pass on "
        "Thursday. Road crews expect to reopen it on Saturday morning. Drivers were advised to "
        "use the valley road instead. No injuries were reported.",
    ),
    (
        "Library extends opening hours during exams",
        "The university library will stay open until midnight for the next four weeks. The "
        "change follows a petition signed by more than 3,000 students. Extra staff have been "
        "hired for the evening shifts. The library's café will also open later.",
    ),
    (
        "Open-source database reaches version 2.0",
        "The maintainers of a popular open-source time-series database released version 2.0 "
        "on Monday. The release adds a new storage engine that uses a third of the disk space. "
        "Upgrading requires a one-time migration of existing data. The project has more than "
        "400 contributors.",
    ),
]


def requests_for(n: int = len(STORIES), prefix: str = "k") -> list[SummaryRequest]:
    return [SummaryRequest(f"{prefix}{i}", t, text) for i, (t, text) in enumerate(STORIES[:n])]


@pytest.fixture(scope="module")
def _server() -> Iterator[OpenAIServer]:
    server = OpenAIServer(model=MODEL)
    thread = ServerThread(server)
    thread.start()
    yield server
    thread.stop()


@pytest.fixture
def server(_server: OpenAIServer) -> OpenAIServer:
    _server.reset()
    return _server


def config_for(server: OpenAIServer, **overrides: Any) -> LLMConfig:
    """Fast settings: short timeout and backoff so failure cases take milliseconds."""
    base: dict[str, Any] = {
        "base_url": server.base_url,
        "model": MODEL,
        "api_key": server.api_key,
        "timeout_s": 2.0,
        "retry_backoff_s": 0.01,
    }
    base.update(overrides)
    return LLMConfig(**base)


def extractive(req: SummaryRequest) -> str | None:
    return extractive_summary(req.title, req.text)


def request_estimate(req: SummaryRequest, config: LLMConfig) -> int:
    messages = load_prompt().messages(req.title, req.text or "")
    return estimate_tokens(messages, config.max_output_tokens)


# --- summaries from the model, and the cache ----------------------------------------------


def test_summaries_come_from_the_model_with_its_method(server: OpenAIServer) -> None:
    reqs = requests_for(3)
    batch = summarise(reqs, config_for(server), {})
    assert server.problems == []
    assert [r.summary for r in batch.results] == [answer_for(r.title) for r in reqs]
    assert [r.method for r in batch.results] == [METHOD] * 3
    assert not any(r.cached or r.fallback or r.error for r in batch.results)
    assert batch.new_entries == {r.key: answer_for(r.title) for r in reqs}
    assert batch.errors == []
    assert (batch.stats.requests, batch.stats.attempts, batch.stats.llm) == (3, 3, 3)
    assert batch.stats.tokens_used == sum(
        server.completion(s.body, Reply())["usage"]["total_tokens"] for s in server.seen
    )
    assert batch.stats.tokens_estimated == 0


def test_request_is_the_versioned_prompt_in_the_chat_completions_format(
    server: OpenAIServer,
) -> None:
    [req] = requests_for(1)
    summarise([req], config_for(server, max_output_tokens=90), {})
    [seen] = server.seen
    assert seen.problems == []
    assert seen.headers["Authorization"] == f"Bearer {server.api_key}"
    prompt = load_prompt()
    assert prompt.version == PROMPT_VERSION == "summary-v1"
    assert seen.body["model"] == MODEL
    assert seen.body["max_tokens"] == 90
    assert seen.body["temperature"] == 0
    system, user = seen.body["messages"]
    assert system == {"role": "system", "content": prompt.system}
    assert user["role"] == "user"
    assert f"Title: {req.title}" in user["content"]
    assert req.text is not None and req.text in user["content"]


def test_second_run_with_the_returned_cache_makes_no_request(server: OpenAIServer) -> None:
    reqs = requests_for(4)
    first = summarise(reqs, config_for(server), {})
    sent = len(server.seen)
    second = summarise(reqs, config_for(server), first.new_entries)
    assert len(server.seen) == sent == 4
    assert [r.summary for r in second.results] == [r.summary for r in first.results]
    assert [r.method for r in second.results] == [METHOD] * 4
    assert all(r.cached for r in second.results)
    assert second.new_entries == {}
    assert (second.stats.cache_hits, second.stats.requests, second.stats.tokens_used) == (4, 0, 0)


def test_stories_sharing_a_content_key_are_sent_once(server: OpenAIServer) -> None:
    [req] = requests_for(1)
    batch = summarise([req, req, replace(req, title=req.title)], config_for(server), {})
    assert len(server.seen) == 1
    assert [r.method for r in batch.results] == [METHOD] * 3
    assert batch.stats.llm == 3


def test_stories_without_text_are_not_sent(server: OpenAIServer) -> None:
    reqs = [SummaryRequest("a", "Only a title", None), SummaryRequest("b", "Blank", "  \n ")]
    batch = summarise(reqs, config_for(server), {})
    assert server.seen == []
    assert [r.summary for r in batch.results] == [extractive(r) for r in reqs]
    assert all(r.method in (None, "extractive") for r in batch.results)
    assert batch.errors == []


# --- the per-run token budget ---------------------------------------------------------------


@pytest.mark.parametrize("sent", [0, 1, 3])
def test_budget_stops_after_n_stories_with_one_record(server: OpenAIServer, sent: int) -> None:
    server.default = Reply(total_tokens=100)  # every answer costs 100 tokens
    reqs = requests_for()
    config = config_for(server, concurrency=1)
    biggest = max(request_estimate(r, config) for r in reqs)
    smallest = min(request_estimate(r, config) for r in reqs)
    # request k+1 goes out while 100*k + its estimate fits: exactly `sent` of them do
    budget = 100 * max(sent - 1, 0) + biggest if sent else smallest - 1
    cached_late = SummaryRequest("cached", "Cached story", "Some text that was summarised before.")
    batch = summarise(
        [*reqs, cached_late],
        replace(config, max_tokens_per_run=budget),
        {"cached": "An earlier summary."},
    )
    assert len(server.seen) == sent
    llm, rest, last = batch.results[:sent], batch.results[sent:-1], batch.results[-1]
    assert [r.method for r in llm] == [METHOD] * sent
    assert [r.method for r in rest] == ["extractive"] * (len(reqs) - sent)
    assert [r.summary for r in rest] == [extractive(q) for q in reqs[sent:]]
    assert {r.fallback for r in rest} == {"budget_exhausted"}
    assert (last.summary, last.method, last.cached) == ("An earlier summary.", METHOD, True)
    [record] = batch.errors
    assert record.error_kind == ErrorKind.BUDGET_EXHAUSTED
    assert record.key is None
    assert record.stories == len(reqs) - sent
    assert f"{len(reqs) - sent} stories" in record.message
    assert batch.stats.budget_stopped
    assert batch.stats.fallbacks == {"budget_exhausted": len(reqs) - sent}
    assert batch.stats.tokens_used == 100 * sent <= budget


def test_budget_counts_requests_in_flight(server: OpenAIServer) -> None:
    reqs = requests_for()
    config = config_for(server, concurrency=4)
    budget = int(2.5 * max(request_estimate(r, config) for r in reqs))
    batch = summarise(reqs, replace(config, max_tokens_per_run=budget), {})
    # four slots, but only two estimates fit: the third would pass the budget if all answered
    assert len(server.seen) == 2
    assert batch.stats.tokens_used <= budget
    assert [e.error_kind for e in batch.errors] == [ErrorKind.BUDGET_EXHAUSTED]


def test_answer_without_usage_is_counted_by_estimate(server: OpenAIServer) -> None:
    server.default = Reply(usage=False)
    batch = summarise(requests_for(2), config_for(server), {})
    assert [r.method for r in batch.results] == [METHOD] * 2
    assert batch.stats.tokens_used == batch.stats.tokens_estimated > 0


# --- failures fall back to the extractive summary -------------------------------------------

LONG = "word " * 2000
FAILURES = {
    "server error": (Reply(status=500), ErrorKind.HTTP_STATUS, 500, 3),  # retried twice
    "bad request": (Reply(status=400), ErrorKind.HTTP_STATUS, 400, 1),  # not retried
    "rate limited past the cap": (
        Reply(status=429, retry_after="3600"),
        ErrorKind.RATE_LIMITED,
        429,
        1,
    ),
    "slow": (Reply(delay_s=1.5), ErrorKind.TIMEOUT, None, 1),
    "not JSON": (Reply(raw=b'{"choices": [{"message": '), ErrorKind.PARSE_ERROR, 200, 1),
    "no choices": (
        Reply(raw=b'{"object": "chat.completion", "choices": []}'),
        ErrorKind.PARSE_ERROR,
        200,
        1,
    ),
    "content null": (
        Reply(message={"role": "assistant", "content": None}),
        ErrorKind.PARSE_ERROR,
        200,
        1,
    ),
    "empty answer": (Reply(content="  \n "), ErrorKind.PARSE_ERROR, 200, 1),
    "absurdly long answer": (Reply(content=LONG), ErrorKind.PARSE_ERROR, 200, 1),
}


@pytest.mark.parametrize("case", FAILURES)
def test_failure_falls_back_to_the_extractive_summary(server: OpenAIServer, case: str) -> None:
    reply, kind, status, hits = FAILURES[case]
    server.default = reply
    [req] = requests_for(1)
    batch = summarise([req], config_for(server, timeout_s=0.5), {})
    [result] = batch.results
    assert (result.summary, result.method) == (extractive(req), "extractive")
    assert result.summary is not None
    assert result.fallback == kind.value
    [record] = batch.errors
    assert result.error == record
    assert (record.error_kind, record.key, record.http_status) == (kind, req.key, status)
    assert len(server.seen) == hits
    assert batch.new_entries == {}
    assert batch.stats.fallbacks == {kind.value: 1}


@pytest.mark.parametrize(
    ("config_change", "kind", "status"),
    [
        ({"base_url": "refused"}, ErrorKind.CONNECT_ERROR, None),
        ({"api_key": "sk-wrong"}, ErrorKind.HTTP_STATUS, 401),
        ({"model": "no-such-model"}, ErrorKind.HTTP_STATUS, 404),
    ],
)
def test_endpoint_misconfiguration_falls_back(
    server: OpenAIServer, config_change: dict[str, Any], kind: ErrorKind, status: int | None
) -> None:
    [req] = requests_for(1)
    with refused_port() as port:
        if config_change.get("base_url") == "refused":
            config_change = {"base_url": f"http://127.0.0.1:{port}/v1"}
        batch = summarise([req], config_for(server, **config_change), {})
    assert batch.results[0].method == "extractive"
    assert [(e.error_kind, e.http_status) for e in batch.errors] == [(kind, status)]


@pytest.mark.parametrize(
    "script",
    [
        [Reply(status=429, retry_after="0"), Reply()],
        [Reply(status=503), Reply(status=502), Reply()],
    ],
)
def test_retries_then_the_model_answers(server: OpenAIServer, script: list[Reply]) -> None:
    server.queue(*script)
    [req] = requests_for(1)
    batch = summarise([req], config_for(server), {})
    assert (batch.results[0].summary, batch.results[0].method) == (answer_for(req.title), METHOD)
    assert batch.errors == []
    assert len(server.seen) == len(script)
    assert (batch.stats.requests, batch.stats.attempts) == (1, len(script))


def test_circuit_breaker_stops_calling_a_failing_endpoint(server: OpenAIServer) -> None:
    server.default = Reply(status=500)
    reqs = requests_for()
    batch = summarise(reqs, config_for(server, concurrency=1, retries=0), {})
    assert len(server.seen) == 3
    assert [r.method for r in batch.results] == ["extractive"] * len(reqs)
    *per_story, breaker = batch.errors
    assert [(e.error_kind, e.key) for e in per_story] == [
        (ErrorKind.HTTP_STATUS, r.key) for r in reqs[:3]
    ]
    assert (breaker.error_kind, breaker.key, breaker.stories) == (ErrorKind.HTTP_STATUS, None, 3)
    assert "3 consecutive failed requests" in breaker.message
    assert batch.stats.circuit_opened
    assert batch.stats.fallbacks == {"http_status": 3, "circuit_open": 3}


def test_a_success_resets_the_circuit_breaker(server: OpenAIServer) -> None:
    fail = Reply(status=500)
    server.queue(fail, fail, Reply(), fail, fail, Reply())
    batch = summarise(requests_for(), config_for(server, concurrency=1, retries=0), {})
    assert len(server.seen) == 6
    assert not batch.stats.circuit_opened
    assert [r.method for r in batch.results].count(METHOD) == 2


# --- secrets, replay, configuration ---------------------------------------------------------

CANARY = "sk-canary-7f3a9c21"


@pytest.mark.parametrize(
    "reply", [Reply(status=500), Reply(delay_s=1.5), Reply(raw=b"<html>oops"), Reply()]
)
def test_api_key_appears_in_no_message_record_or_repr(
    server: OpenAIServer, caplog: pytest.LogCaptureFixture, reply: Reply
) -> None:
    caplog.set_level(logging.DEBUG)
    server.api_key = CANARY
    try:
        server.default = reply
        config = config_for(server, api_key=CANARY, timeout_s=0.5, concurrency=1)
        batches: list[SummaryBatch] = [summarise(requests_for(4), config, {})]  # 4th: circuit open
        with refused_port() as port:
            refused = replace(config, base_url=f"http://127.0.0.1:{port}/v1")
            batches.append(summarise(requests_for(1), refused, {}))
    finally:
        server.api_key = OpenAIServer.api_key
    assert server.seen[0].headers["Authorization"] == f"Bearer {CANARY}"  # it was sent
    assert any(b.errors for b in batches)
    shown = [repr(config), str(config), caplog.text, *map(repr, batches)]
    shown += [e.message for b in batches for e in b.errors]
    assert not [s for s in shown if CANARY in s]


def test_replay_makes_no_request_and_uses_the_cache(server: OpenAIServer) -> None:
    reqs = requests_for(3)
    batch = summarise(reqs, config_for(server), {"k1": "Cached summary."}, network=False)
    assert server.seen == []
    assert [r.method for r in batch.results] == ["extractive", METHOD, "extractive"]
    assert batch.results[1].summary == "Cached summary."
    assert [r.fallback for r in batch.results] == ["offline", None, "offline"]
    assert batch.errors == []
    assert batch.stats.fallbacks == {"offline": 2}


def test_unconfigured_summariser_writes_extractive_summaries(server: OpenAIServer) -> None:
    reqs = requests_for(2)
    batch = summarise(reqs, None, {"k0": "Cached by a model no longer configured."})
    assert server.seen == []
    assert [r.summary for r in batch.results] == [extractive(r) for r in reqs]
    assert batch.stats.fallbacks == {"not_configured": 2}
    assert batch.errors == []


def test_config_from_catalogue_settings() -> None:
    assert LLMConfig.from_settings(None) is None
    assert LLMConfig.from_settings(LLMSettings(base_url="", api_key=CANARY)) is None
    settings = LLMSettings(
        base_url="http://127.0.0.1:11434/v1", model="qwen3:0.6b", api_key=CANARY, timeout_s=7
    )
    config = LLMConfig.from_settings(settings)
    assert config is not None
    assert config.endpoint == "http://127.0.0.1:11434/v1/chat/completions"
    assert (config.model, config.api_key, config.timeout_s) == ("qwen3:0.6b", CANARY, 7)
    assert config.method == "llm:qwen3:0.6b:summary-v1"
    assert CANARY not in repr(config)


@pytest.mark.parametrize(
    "change",
    [
        {"base_url": "ftp://host/v1"},
        {"model": " "},
        {"concurrency": 0},
        {"timeout_s": 0},
        {"api_key": f"{CANARY}\r\nX-Injected: 1"},
    ],
)
def test_config_rejects_nonsense(change: dict[str, Any]) -> None:
    values: dict[str, Any] = {"base_url": "http://127.0.0.1:1/v1", "model": "m", "api_key": CANARY}
    with pytest.raises(ValueError) as info:
        LLMConfig(**(values | change))
    assert CANARY not in str(info.value)


# --- the answer as a summary ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("  The council  approved\n the tram line.  ", "The council approved the tram line."),
        ('"The council approved the tram line."', "The council approved the tram line."),
        (
            "<think>They want one sentence.</think>\nThe council approved it.",
            "The council approved it.",
        ),
        ("<think>never closed", ""),
        ("Le conseil a approuvé la ligne de tram.", "Le conseil a approuvé la ligne de tram."),
    ],
)
def test_answers_are_cleaned(answer: str, expected: str) -> None:
    assert clean_summary(answer, 600) == expected


def test_long_answer_is_cut_at_a_word(server: OpenAIServer) -> None:
    server.default = Reply(content="tram " * 60)  # 300 characters: long, not absurd (> 4x)
    batch = summarise(requests_for(1), config_for(server, max_summary_chars=100), {})
    summary = batch.results[0].summary
    assert summary is not None and batch.results[0].method == METHOD
    assert len(summary) <= 100
    assert summary.endswith("tram…")


def test_prompt_placeholders_are_filled_once() -> None:
    prompt = load_prompt()
    messages = prompt.messages("A {text} title", "Body with {title}.")
    user = messages[1]["content"]
    assert "Title: A {text} title" in user
    assert "Body with {title}." in user
    assert "{" not in prompt.system


def test_long_story_text_is_clipped_before_it_is_sent(server: OpenAIServer) -> None:
    text = "The river rose again overnight. " * 500  # 16,000 characters
    batch = summarise([SummaryRequest("long", "Flood", text)], config_for(server), {})
    assert batch.results[0].method == METHOD
    user = server.seen[0].body["messages"][1]["content"]
    assert 4000 < len(user) < 4000 + len(load_prompt().user)
    assert user.endswith("…")
