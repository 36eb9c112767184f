"""settings.enrich: embedder choice, topics, and the optional LLM summariser endpoint."""

from __future__ import annotations

import textwrap

import pytest

from riverbed.core.catalogue import Catalogue, CatalogueError, parse_catalogue

HEAD = 'sources:\n  - {id: a, kind: rss, url: "https://example.org/feed.xml"}\n'


def parse(settings: str, env: dict[str, str] | None = None) -> Catalogue:
    return parse_catalogue(HEAD + textwrap.dedent(settings), env=env or {})


def test_defaults_are_offline_and_dependency_free() -> None:
    enrich = parse("").settings.enrich
    assert enrich.embeddings == "auto"
    assert enrich.summaries.method == "extractive" and enrich.summaries.llm is None


def test_llm_endpoint_and_key_come_from_the_environment() -> None:
    cat = parse(
        """
        settings:
          enrich:
            summaries:
              method: llm
              llm: {base_url: "${LLM_URL}/", model: small, api_key: "${LLM_KEY}"}
        """,
        env={"LLM_URL": "http://127.0.0.1:8080/v1", "LLM_KEY": "sk-canary-123"},
    )
    llm = cat.settings.enrich.summaries.llm
    assert llm is not None and llm.configured
    assert llm.base_url == "http://127.0.0.1:8080/v1" and llm.api_key == "sk-canary-123"
    assert "sk-canary-123" not in repr(cat.settings)


def test_an_unset_endpoint_variable_leaves_the_summariser_unconfigured_not_broken() -> None:
    cat = parse(
        """
        settings:
          enrich:
            summaries: {method: llm, llm: {base_url: "${LLM_URL}", api_key: "${LLM_KEY}"}}
        """
    )
    llm = cat.settings.enrich.summaries.llm
    assert llm is not None and not llm.configured and llm.api_key == ""


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("settings: {enrich: {embeddings: bert}}", "settings.enrich.embeddings"),
        ("settings: {enrich: {summaries: {method: llm}}}", "no llm endpoint is set"),
        ("settings: {enrich: {max_topics: 0}}", "settings.enrich.max_topics"),
        (
            "settings: {enrich: {summaries: {method: llm, llm: {base_url: 'ftp://x'}}}}",
            "invalid base_url",
        ),
        ("settings: {enrich: {topics: 3}}", "unknown key 'topics'"),
    ],
)
def test_bad_enrich_settings_are_errors(settings: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message.replace("(", r"\(")):
        parse(settings)
