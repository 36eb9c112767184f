"""The end of `riverbed run` / `replay` / `demo` for the person who ran it: what happened
(sources by outcome, new items, stories, the digest, the time taken), which sources failed
and what to do about each. The CLI writes it to stderr (stdout is for results) and leaves it
out with `--format json`."""

from __future__ import annotations

import shlex
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from riverbed.output import render

# source_health statuses, in the order the summary names them
STATUSES = ("ok", "not_modified", "skipped", "failed")

# error_kind -> what the user can do about a source that failed that way
NEXT_STEP: dict[str, str] = {
    "timeout": "the host answered too slowly: open the URL yourself; if it is only slow, raise "
    "settings.timeout_s",
    "connect_error": "no connection: check the URL's host and port (and settings.resolve / "
    "proxy if you set them)",
    "http_status": "the server answered with an error status: check the URL, and the source's "
    "headers if the site wants a token",
    "too_large": "the response is over settings.max_body_mb: raise it, or use a smaller feed",
    "too_many_redirects": "the URL redirects too often: put the final URL in the catalogue",
    "blocked_address": "the URL resolves to a private address: if you trust it, add its host to "
    "settings.allow_private_hosts",
    "scheme_rejected": "only http and https are fetched: fix the URL",
    "content_type": "the response is not the type this kind reads: check the URL and the kind",
    "robots_disallowed": "robots.txt refuses the page: nothing to fix on your side",
    "rate_limited": "the site asks to slow down: raise the source's `every` or lower "
    "settings.per_host_concurrency",
    "parse_error": "the document is malformed or cut short: open the URL; after a parser fix, "
    "`riverbed replay` re-reads the stored response",
    "not_a_feed": "the URL does not serve a feed (often an HTML page): use the page's feed link, "
    "or kind: html with selectors",
    "invalid_item": "some items were unusable: see their messages in `errors`",
    "thin_extraction": "linked pages gave too little text to extract: nothing to fix unless "
    "it is every page of a site",
    "budget_exhausted": "the source ran out of its time or size budget: lower its `limit`",
    "internal": "a riverbed bug: please report it with the message below",
}


def _count(sources: Sequence[Mapping[str, Any]], status: str) -> int:
    return sum(1 for s in sources if s["status"] == status)


def source_tally(sources: Sequence[Mapping[str, Any]]) -> str:
    """`12 ok, 3 not modified, 1 failed (of 16)`: the run's sources by outcome."""
    parts = [
        f"{n} {status.replace('_', ' ')}"
        for status in STATUSES
        if (n := _count(sources, status)) or status in ("ok", "failed")
    ]
    others = len(sources) - sum(_count(sources, s) for s in STATUSES)
    if others:
        parts.append(f"{others} other")
    return f"{', '.join(parts)} (of {len(sources)})"


def summary_rows(
    summary: Any,
    *,
    stories: int | None,
    digest: str | None,
    lake_uri: str,
    wall_s: float | None = None,
) -> list[tuple[str, str]]:
    """(what, value) rows: sources, items new, stories, digest, lake, duration. `summary` is
    the orchestrator's `RunSummary`; `stories`/`digest` are None when the run made none."""
    items_new = sum(int(s.get("items_new") or 0) for s in summary.sources)
    rows = [("sources", source_tally(summary.sources)), ("items new", str(items_new))]
    if stories is not None:
        rows.append(("stories", str(stories)))
    rows.append(("digest", digest or "(none written)"))
    rows.append(("lake", lake_uri))
    rows.append(("duration", f"{summary.wall_s if wall_s is None else wall_s:.1f}s"))
    return rows


NAMED = 8  # failed sources named per error kind
QUERY_IDS = 20  # failed sources the errors query names; past that, it selects by error kind


def _sql_list(values: Collection[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))


def next_steps(
    failed: Sequence[Mapping[str, Any]], lake_uri: str, catalogue: str | None = None
) -> list[str]:
    """What to do about the failed sources: one line per error kind met, then the query that
    shows their recorded errors and, when there is one, the catalogue to edit. Source ids are
    `[a-z0-9_-]+` (the catalogue checks), so the SQL needs no escaping beyond quotes."""
    if not failed:
        return []
    lines = []
    kinds: dict[str, list[str]] = {}
    for f in failed:
        kinds.setdefault(f.get("error_kind") or "unknown", []).append(f["source_id"])
    for kind, ids in sorted(kinds.items()):
        advice = NEXT_STEP.get(kind, "see the recorded errors below")
        named = ", ".join(ids[:NAMED])
        if len(ids) > NAMED:
            named += f", … and {len(ids) - NAMED:,} more"
        lines.append(f"- {kind} ({named}): {advice}")
    sources = {f["source_id"] for f in failed}
    # thousands of failed sources (a network down) are their error kinds, not a list of ids
    if len(sources) <= QUERY_IDS:
        where = f"source_id in ({_sql_list(sources)})"
    else:  # a failure recorded without a kind ("unknown" above) has none in the table either
        recorded = {f["error_kind"] for f in failed if f.get("error_kind")}
        clauses = [f"error_kind in ({_sql_list(recorded)})"] if recorded else []
        clauses += ["error_kind is null"] if "unknown" in kinds else []
        where = clauses[0] if len(clauses) == 1 else f"({' or '.join(clauses)})"
    sql = (
        "select errors.at, source_id, url, error_kind, message from errors "
        f"where {where} order by errors.at desc limit 20"
    )
    lines.append(f'- the recorded errors: riverbed query --lake {shlex.quote(lake_uri)} "{sql}"')
    if catalogue:
        lines.append(f"- fix or remove a source in {catalogue}, then run again")
    return lines


SHOWN = 20  # failed sources listed one by one; the next steps group every one by error kind


def more_failed(failed: Sequence[Mapping[str, Any]]) -> str | None:
    """The line that stands for the failed sources past the first `SHOWN` (None: none)."""
    hidden = len(failed) - SHOWN
    if hidden <= 0:
        return None
    return (
        f"… and {hidden:,} more failed sources (`riverbed status` with this run's --sources"
        " and --lake lists every one; `--format json` gives this run's)"
    )


def failure_rows(
    failed: Sequence[Mapping[str, Any]], expected: Collection[str] = ()
) -> tuple[list[dict[str, Any]], list[str]]:
    """The failed-sources table (rows, columns) of the first `SHOWN`; with `expected` (the
    demo's deliberately broken sources) a column says which failures were meant."""
    columns = ["source_id", "error_kind", "message"]
    rows = [dict(f) for f in failed[:SHOWN]]
    if expected:
        columns = ["source_id", "error_kind", "expected", "message"]
        for row in rows:
            row["expected"] = "yes (deliberate)" if row["source_id"] in expected else "NO"
    return rows, columns


def render_report(
    title: str,
    rows: Sequence[tuple[str, str]],
    failed: Sequence[Mapping[str, Any]],
    steps: Sequence[str],
    expected: Collection[str] = (),
) -> str:
    """The whole report as text: the title, the summary rows, the failed sources, next steps."""
    width = max((len(k) for k, _ in rows), default=0)
    # values in full (paths, the lake URI): the table renderer would cut them at 60 characters
    parts = [title, *(f"  {k.ljust(width)}  {v}" for k, v in rows)]
    if failed:
        table, columns = failure_rows(failed, expected)
        parts += ["", "failed sources:", render(table, columns, "plain")]
        parts += [more] if (more := more_failed(failed)) else []
    if steps:
        parts += ["", "what to do next:", *steps]
    return "\n".join(parts)


def lake_facts(lake_uri: str, date: str) -> tuple[int | None, str | None]:
    """(stories of `date`, the digest page's path) read from the lake; None for what the run
    did not make (or the lake cannot say)."""
    from riverbed.lake import Lake
    from riverbed.lake.query import connect

    lake = Lake(lake_uri)
    stories: int | None = None
    try:
        row = connect(lake).execute("select count(*) from stories where date = ?", [date])
        stories = int(row.fetchone()[0])  # type: ignore[index]
    except Exception:  # no stories table yet (collect-only run), or an unreadable lake
        stories = None
    digest = lake.path("published", "digest", date, "index.html")
    try:
        shown = (digest.path if lake.local else str(digest)) if lake.exists(digest) else None
    except OSError:
        shown = None
    return stories, shown
