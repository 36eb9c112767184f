"""arXiv export API: the parser over realistic Atom, and the collector against a loopback
server on the real path `/api/query`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from platform_server import PlatformServer, Reply, fixture, run_collector, source_from_yaml

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParseResult
from riverbed.core.urls import canonical_url
from riverbed.sources.arxiv import ArxivCollector, arxiv_query_url, parse_arxiv

NOW = datetime(2025, 6, 1, tzinfo=UTC)
ATOM = "application/atom+xml; charset=UTF-8"


def test_entries_map_to_items_with_every_field() -> None:
    result = parse_arxiv(fixture("arxiv", "query_cs_lg.xml"), now=NOW)
    assert result.problems == []
    assert result.format == "arxiv"
    assert result.feed_title == "ArXiv Query: search_query=cat:cs.LG&id_list=&start=0&max_results=3"
    first, second, third = result.items
    assert first.external_id == "2505.20311"
    assert first.url == "http://arxiv.org/abs/2505.20311v1"
    assert first.title == "Sparse Mixture-of-Experts Routing with Learned Capacity Constraints"
    assert first.author == "Priya Raman, Jonas Weber, Mei Lin"
    assert first.published_at == datetime(2025, 5, 26, 17, 59, 58, tzinfo=UTC)
    assert first.text == (
        "Mixture-of-experts (MoE) layers scale model capacity without a proportional increase"
        " in compute, but token routing remains brittle. We propose learned capacity"
        " constraints that balance expert load during training."
    )
    assert first.tags == ["cs.LG", "cs.AI", "stat.ML"]
    assert first.score is None and first.comments is None and first.comments_url is None
    assert first.summary_html is not None
    assert '<a href="http://arxiv.org/pdf/2505.20311v1">PDF</a>' in first.summary_html
    assert "Comment: 21 pages, 7 figures" in first.summary_html

    # v3 of a paper first published in February: published_at is the first version's date
    assert second.external_id == "2502.01845"
    assert second.url == "http://arxiv.org/abs/2502.01845v3"
    assert second.published_at == datetime(2025, 2, 3, 14, 20, 5, tzinfo=UTC)
    assert second.author == "Alexei Volkov, Sofía Martínez"
    assert second.text == (
        "We prove convergence rates for Adam when stochastic gradients have heavy-tailed"
        " noise & unbounded variance."
    )
    assert second.tags == ["math.OC", "cs.LG"]  # primary category first, then cross-lists
    assert second.summary_html is not None and "Journal reference: ICML 2025" in second.summary_html

    assert third.external_id == "hep-ex/0307015"  # old-style id, version stripped
    assert third.tags == ["hep-ex", "cs.LG"]


def test_canonical_url_drops_the_version() -> None:
    items = parse_arxiv(fixture("arxiv", "query_cs_lg.xml"), now=NOW).items
    assert [canonical_url(i.url or "") for i in items] == [
        "https://arxiv.org/abs/2505.20311",
        "https://arxiv.org/abs/2502.01845",
        "https://arxiv.org/abs/hep-ex/0307015",
    ]


def test_all_authors_are_kept_and_a_huge_list_is_cut_with_et_al() -> None:
    authors = "".join(f"<author><name>Author Number{n}</name></author>" for n in range(300))
    doc = fixture("arxiv", "query_cs_lg.xml").replace(
        b"<author>\n      <name>Priya Raman</name>",
        authors.encode() + b"<author><name>Priya Raman</name>",
        1,
    )
    first = parse_arxiv(doc, now=NOW).items[0]
    assert first.author is not None
    assert first.author.startswith("Author Number0, Author Number1, ")
    assert first.author.endswith(", et al.")
    assert len(first.author) <= 1000


def test_api_error_feed_is_not_a_feed_with_the_message() -> None:
    with pytest.raises(RiverbedError) as caught:
        parse_arxiv(fixture("arxiv", "error.xml"), now=NOW)
    assert caught.value.kind is ErrorKind.NOT_A_FEED
    assert "incorrect id format for 1234.12345" in caught.value.message


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", ErrorKind.NOT_A_FEED),
        (b"<html><body>Service unavailable</body></html>", ErrorKind.NOT_A_FEED),
        (
            b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>x',
            ErrorKind.PARSE_ERROR,
        ),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry></feed>', ErrorKind.PARSE_ERROR),
        (
            b'<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">]><feed><title>&a;&a;</title></feed>',
            ErrorKind.PARSE_ERROR,
        ),
        (b'{"not": "xml"}', ErrorKind.NOT_A_FEED),
    ],
)
def test_bad_documents(body: bytes, kind: ErrorKind) -> None:
    with pytest.raises(RiverbedError) as caught:
        parse_arxiv(body, now=NOW)
    assert caught.value.kind is kind


def test_no_results_is_not_a_feed() -> None:
    with pytest.raises(RiverbedError) as caught:
        parse_arxiv(fixture("arxiv", "empty.xml"), now=NOW)
    assert caught.value.kind is ErrorKind.NOT_A_FEED
    assert "totalResults 0" in caught.value.message


def test_entry_without_an_abs_id_is_an_item_problem() -> None:
    doc = fixture("arxiv", "query_cs_lg.xml").replace(
        b"<id>http://arxiv.org/abs/2505.20311v1</id>", b"<id>urn:nothing</id>"
    )
    result = parse_arxiv(doc, now=NOW)
    assert [i.external_id for i in result.items] == ["2502.01845", "hep-ex/0307015"]
    assert [p.error_kind for p in result.problems] == [ErrorKind.INVALID_ITEM]


def test_query_url_encodes_the_query() -> None:
    assert arxiv_query_url("https://export.arxiv.org", "au:del_maestro AND ti:checkerboard", 5) == (
        "https://export.arxiv.org/api/query?search_query=au:del_maestro+AND+ti:checkerboard"
        "&sortBy=submittedDate&max_results=5"
    )


CATALOGUE = """
sources:
  - id: arxiv-ml
    kind: arxiv
    url: {base}
    query: "cat:cs.LG AND abs:transformer"
    limit: 2
"""


def test_collector_calls_the_real_endpoint_and_applies_the_limit(server: PlatformServer) -> None:
    server.routes["/api/query"] = [
        Reply(body=fixture("arxiv", "query_cs_lg.xml"), content_type=ATOM)
    ]
    result = run_collector(ArxivCollector(), source_from_yaml(CATALOGUE, server.url)).value
    seen = server.requests
    assert isinstance(result, ParseResult)
    assert [i.external_id for i in result.items] == ["2505.20311", "2502.01845"]
    assert [s.path for s in seen] == ["/api/query"]
    assert seen[0].query == {
        "search_query": ["cat:cs.LG AND abs:transformer"],
        "sortBy": ["submittedDate"],
        "max_results": ["2"],
    }


def test_collector_default_limit_is_50(server: PlatformServer) -> None:
    server.routes["/api/query"] = [
        Reply(body=fixture("arxiv", "query_cs_lg.xml"), content_type=ATOM)
    ]
    catalogue = CATALOGUE.replace("    limit: 2\n", "")
    result = run_collector(ArxivCollector(), source_from_yaml(catalogue, server.url)).value
    seen = server.requests
    assert isinstance(result, ParseResult) and len(result.items) == 3
    assert seen[0].query["max_results"] == ["50"]


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        (None, ErrorKind.HTTP_STATUS),  # 404: nothing on /api/query
        (
            Reply(body=b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>", content_type=ATOM),
            ErrorKind.PARSE_ERROR,
        ),
        (Reply(body=fixture("arxiv", "error.xml"), content_type=ATOM), ErrorKind.NOT_A_FEED),
        (Reply(500, body=b"oops", content_type=ATOM), ErrorKind.HTTP_STATUS),
    ],
)
def test_collector_failures(server: PlatformServer, route: Reply | None, kind: ErrorKind) -> None:
    if route:
        server.routes["/api/query"] = [route]
    result = run_collector(ArxivCollector(), source_from_yaml(CATALOGUE, server.url)).value
    assert isinstance(result, RiverbedError)
    assert result.kind is kind
