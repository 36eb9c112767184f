"""Asset checks shared by every group: key uniqueness, empty outputs, schema drift, the
sources' error rate and stale sources; and the Markdown the UI shows on materialisations.

Check names are constants; `specs` gives each its one description, so the UI explains every
check the same way wherever it is attached.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from riverbed.lake import Lake
from riverbed.lake.schemas import TABLES
from riverbed.pipeline.status import STALE_FACTOR, source_status

UNIQUE_KEY = "unique_key"
NOT_EMPTY = "not_empty"
SCHEMA_DRIFT = "schema_drift"
ERROR_RATE = "error_rate"
STALE_SOURCES = "stale_sources"
NO_FAILED_SOURCES = "no_failed_sources"

# Share of the day's sources whose latest attempt failed: above WARN the check warns, above
# ERROR it fails with ERROR severity (a fetch layer or network problem, not one bad feed).
ERROR_RATE_WARN = 0.10
ERROR_RATE_ERROR = 0.50

DESCRIPTIONS = {
    UNIQUE_KEY: "No two rows share the table's key.",
    NOT_EMPTY: "The partition has at least one row.",
    SCHEMA_DRIFT: (
        "The stored Parquet schema equals the declared one (`lake/schemas.py`): a missing or"
        " retyped column is an error, an extra column a warning."
    ),
    ERROR_RATE: (
        f"Share of the day's sources whose latest attempt failed: warns above"
        f" {ERROR_RATE_WARN:.0%}, errors above {ERROR_RATE_ERROR:.0%}."
    ),
    STALE_SOURCES: (
        f"No source has gone without a success for {STALE_FACTOR} x its `every` (the rule"
        " `riverbed status` uses)."
    ),
    NO_FAILED_SOURCES: "Every source's latest attempt of the day succeeded.",
}


def specs(asset: str, *names: str, blocking: Sequence[str] = ()) -> list[dg.AssetCheckSpec]:
    """Check specs of `asset` with their shared descriptions. The checks named in `blocking`
    stop everything downstream in the run when they fail with ERROR severity."""
    return [
        dg.AssetCheckSpec(n, asset=asset, description=DESCRIPTIONS[n], blocking=n in blocking)
        for n in names
    ]


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


def schema_drift(stored: pa.Schema, declared: pa.Schema) -> dict[str, list[str]]:
    """How `stored` differs from `declared`: missing columns, extra columns, and columns
    whose type differs (`name: stored type != declared type`)."""
    have = {f.name: f.type for f in stored}
    want = {f.name: f.type for f in declared}
    return {
        "missing": [n for n in want if n not in have],
        "extra": [n for n in have if n not in want],
        "changed": [
            f"{n}: {have[n]} != {want[n]}" for n in want if n in have and have[n] != want[n]
        ],
    }


def stored_schema(path: UPath) -> pa.Schema | None:
    """The schema in a stored Parquet object's footer (the rows are not read); None when
    the object does not exist."""
    if not path.exists():
        return None
    with path.open("rb") as fh:
        return pq.read_schema(fh)


def schema_drift_result(
    paths: Iterable[UPath], declared: pa.Schema, asset: str
) -> dg.AssetCheckResult:
    """`schema_drift_check` over the stored objects of this materialisation (footers only);
    an object that cannot be read is an error, one that does not exist is skipped."""
    schemas: list[pa.Schema] = []
    unreadable: list[str] = []
    for path in paths:
        try:
            schema = stored_schema(path)
        except (OSError, pa.ArrowException) as exc:
            unreadable.append(f"{path.name}: {type(exc).__name__}")
            continue
        if schema is not None:
            schemas.append(schema)
    return schema_drift_check(schemas, declared, asset, unreadable)


def schema_drift_check(
    schemas: Sequence[pa.Schema],
    declared: pa.Schema,
    asset: str,
    unreadable: Sequence[str] = (),
) -> dg.AssetCheckResult:
    """Compare stored schemas with the declared one. Fails with ERROR severity when a
    declared column is missing or retyped (readers and the query views rely on it), with
    WARN when the only drift is extra columns."""
    missing: set[str] = set()
    extra: set[str] = set()
    changed: set[str] = set()
    for schema in schemas:
        drift = schema_drift(schema, declared)
        missing.update(drift["missing"])
        extra.update(drift["extra"])
        changed.update(drift["changed"])
    errors = bool(missing or changed or unreadable)
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=SCHEMA_DRIFT,
        passed=not (errors or extra),
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        metadata={
            "objects_checked": dg.MetadataValue.int(len(schemas)),
            "declared_columns": dg.MetadataValue.int(len(declared)),
            "missing": ", ".join(sorted(missing)),
            "extra": ", ".join(sorted(extra)),
            "changed": ", ".join(sorted(changed)),
            "unreadable": ", ".join(unreadable[:10]),
        },
    )


def error_rate_result(
    failed: Sequence[str],
    total: int,
    asset: str,
    warn: float = ERROR_RATE_WARN,
    error: float = ERROR_RATE_ERROR,
) -> dg.AssetCheckResult:
    """Passes at or below `warn`; above it fails with WARN severity, above `error` with ERROR."""
    rate = len(failed) / total if total else 0.0
    severity = dg.AssetCheckSeverity.ERROR if rate > error else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=ERROR_RATE,
        passed=rate <= warn,
        severity=severity,
        metadata={
            "error_rate": dg.MetadataValue.float(round(rate, 4)),
            "warn_above": dg.MetadataValue.float(warn),
            "error_above": dg.MetadataValue.float(error),
            "failed": ", ".join(sorted(failed)[:50]),
        },
    )


def stale_rows(lake: Any, sources: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    """`riverbed status`'s rows for the sources that are stale (its rule, not a copy)."""
    return [r for r in source_status(lake, sources, now) if r["stale"]]


def stale_sources_result(stale: Sequence[Mapping[str, Any]], asset: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=STALE_SOURCES,
        passed=not stale,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "stale": dg.MetadataValue.int(len(stale)),
            "sources": ", ".join(
                f"{r['source_id']} (last success {r['last_success_at'] or 'never'})"
                for r in stale[:50]
            ),
        },
    )


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    """A table schema as the UI shows it (`dagster/column_schema`)."""
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in schema])


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


def daily_schema_drift(lake: Lake, name: str, date: str) -> dg.AssetCheckResult:
    """`schema_drift_result` for a daily table's stored partition (call it after the asset's
    `Output` is yielded: the IO manager has written the partition by then)."""
    path = lake.partition_path(name, {"date": date})
    return schema_drift_result([path], TABLES[name][0], name)
