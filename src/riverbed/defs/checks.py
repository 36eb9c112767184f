"""Asset-check helpers shared by the refine and publish assets."""

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
import pyarrow as pa

UNIQUE_KEY = "unique_key"
NOT_EMPTY = "not_empty"


def unique_key_result(table: pa.Table, keys: Sequence[str], asset: str) -> dg.AssetCheckResult:
    counts = Counter(zip(*(table.column(k).to_pylist() for k in keys))) if table.num_rows else {}
    dupes = [k for k, n in counts.items() if n > 1]
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=UNIQUE_KEY,
        passed=not dupes,
        metadata={"key": ", ".join(keys), "duplicates": len(dupes), "examples": str(dupes[:5])},
    )


def not_empty_result(
    table: pa.Table, asset: str, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=NOT_EMPTY,
        passed=table.num_rows > 0,
        severity=severity,
        metadata={"rows": table.num_rows},
    )


def specs(asset: str, *names: str) -> list[dg.AssetCheckSpec]:
    descriptions = {
        UNIQUE_KEY: "No two rows share the table's key.",
        NOT_EMPTY: "The partition has at least one row.",
    }
    return [dg.AssetCheckSpec(n, asset=asset, description=descriptions[n]) for n in names]


def preview_markdown(table: pa.Table, columns: Sequence[str], n: int = 10) -> str:
    """A Markdown preview of the first rows, for the UI."""
    cols = [c for c in columns if c in table.column_names]
    rows = table.select(cols).slice(0, n).to_pylist()
    head = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols)
    body = [
        "| "
        + " | ".join(str(r[c])[:80].replace("|", "\\|").replace("\n", " ") for c in cols)
        + " |"
        for r in rows
    ]
    return "\n".join([head, *body])


def per_source_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """A Markdown table of per-source results, failed sources first (for the UI)."""
    lines = [
        "| source | status | HTTP | items seen | new | updated | latency ms | bytes | error |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: (r["status"] != "failed", r["source_id"])):
        err = f"{r['error_kind']}: {(r.get('message') or '')[:80]}" if r.get("error_kind") else ""
        cells = [
            r["source_id"],
            r["status"],
            r.get("http_status") or "",
            r.get("items_seen"),
            r.get("items_new"),
            r.get("items_updated") if r.get("items_updated") is not None else "",
            r.get("latency_ms"),
            r.get("bytes"),
            err.replace("|", "/").replace("\n", " "),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)
