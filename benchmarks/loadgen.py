"""A loopback load generator: thousands of RSS feeds over a hundred hostnames, each feed's
content a deterministic function of (source, simulated hour).

Source k publishes `rate(k)` new items an hour (1, 2 or 3: two on average) from the start of
the simulated clock, and its feed shows the latest `WINDOW` of them, so every hourly run sees
about two new items per source and re-sees the rest of the window. At the default scale (5,000
sources over 100 hosts) 7 simulated days of hourly runs publish 5,000 x 168 x 2 = 1.68 M
distinct items. Nothing is random and nothing depends on the wall clock: the same (source,
hour) always gives the same bytes, so a soak can be repeated and compared.

Each item has its own text (`item_words`: 45 words of a made-up 8,000-word vocabulary, two in
three from one of 60 subjects), as real feeds do: per-story caches, the topics' vocabulary and
near-duplicate detection then work on as many distinct texts as there are items. (Until
2026-11-27 texts were drawn from 30 words and repeated: a day of 48 k stories held ~300
distinct texts, which understated every per-text cost.)

The feeds are served by the demo's `ReplayServer` (ETag, Last-Modified, 304s, gzip — the
fetch layer's real code paths) on 127.0.0.1; the catalogue maps every hostname to it with
`settings.resolve`, so no DNS query is ever made.

    from loadgen import LoadCorpus, serve
    load = LoadCorpus(sources=500, hosts=100)
    with serve(load) as server:
        load.write_catalogue(path, server.port)
        load.hour = 5          # what the next requests see
        ...

`python benchmarks/loadgen.py --sources 5000 --hosts 100 --catalogue sources.yaml --hour 0`
serves until Ctrl-C (handy to point `riverbed run` at by hand).
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from riverbed.demo.model import ROBOTS_TXT, Doc
from riverbed.demo.server import ReplayServer

# the simulated clock starts here (in the past: publication dates are never "in the future")
EPOCH = datetime(2026, 10, 1, tzinfo=UTC)
WINDOW = 20  # items a feed shows
RSS_TYPE = "application/rss+xml; charset=utf-8"
_WORDS = [
    "database",
    "index",
    "query",
    "latency",
    "replica",
    "shard",
    "kernel",
    "compiler",
    "release",
    "patch",
    "cluster",
    "cache",
    "queue",
    "stream",
    "vector",
    "model",
    "training",
    "inference",
    "benchmark",
    "parser",
    "protocol",
    "storage",
    "network",
    "browser",
    "runtime",
    "scheduler",
    "migration",
    "incident",
    "outage",
    "security",
]


SUBJECTS = 60  # what items are about: each has its own words, so topics have something to find
SUBJECT_WORDS = 120
VOCABULARY = 8_000  # three-syllable made-up words: item texts rarely repeat, as in real feeds
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "ta",
    "vi",
    "zo",
    "pe",
    "du",
    "sa",
    "ri",
    "mo",
    "fe",
    "gu",
    "li",
    "ba",
    "xe",
    "no",
    "tu",
]


def word(j: int) -> str:
    """The j-th word of the vocabulary (three syllables)."""
    n = len(_SYLLABLES)
    return _SYLLABLES[j % n] + _SYLLABLES[(j // n) % n] + _SYLLABLES[(j // n // n) % n]


def item_words(source: int, n: int, count: int) -> list[str]:
    """`count` words of item n of `source`: two in three from its subject's words, the rest
    from the whole vocabulary, drawn by a generator seeded with (source, n)."""
    subject = (source * 13 + n * 7) % SUBJECTS
    x = (source * 1_000_003 + n * 7_919 + 12_345) & 0x7FFFFFFF
    out = []
    for _ in range(count):
        x = (x * 1_103_515_245 + 12_345) & 0x7FFFFFFF
        if x % 3:
            out.append(word(subject * SUBJECT_WORDS + (x >> 8) % SUBJECT_WORDS))
        else:
            out.append(word((x >> 8) % VOCABULARY))
    return out


def rate(source: int) -> int:
    """New items source `source` publishes per simulated hour (1, 2 or 3)."""
    return 1 + (source * 7919) % 3


def host_name(n: int) -> str:
    return f"news{n:03d}.load.example"


def hour_of(date: str, hour: int) -> int:
    """The simulated hour number of `hour` o'clock on `date` (YYYY-MM-DD)."""
    day = datetime.fromisoformat(date).replace(tzinfo=UTC)
    return int((day - EPOCH).total_seconds() // 3600) + hour


def date_of(hour: int) -> str:
    return (EPOCH + timedelta(hours=hour)).date().isoformat()


@dataclass
class LoadCorpus:
    """`sources` RSS feeds over `hosts` hostnames; `hour` is the simulated hour served."""

    sources: int = 5000
    hosts: int = 100
    hour: int = 0

    def source_id(self, k: int) -> str:
        return f"load-{k:05d}"

    def host(self, k: int) -> str:
        return host_name(k % self.hosts)

    def url(self, k: int) -> str:
        return f"http://{self.host(k)}/feeds/{k}.xml"

    def published(self, k: int, hour: int) -> int:
        """How many items source k has published by the end of simulated `hour`."""
        return rate(k) * (hour + 1)

    def window(self, k: int, hour: int) -> range:
        """The item numbers source k's feed shows at `hour` (newest last)."""
        total = self.published(k, hour)
        return range(max(0, total - WINDOW), total)

    def items_in_day(self, date: str) -> int:
        """Distinct items an hourly run sees on `date`: the window at its first hour plus
        everything published in its other 23 hours."""
        first = hour_of(date, 0)
        return sum(len(self.window(k, first)) + 23 * rate(k) for k in range(self.sources))

    def items_published(self, hours: int) -> int:
        """Distinct items published in the first `hours` simulated hours."""
        return sum(self.published(k, hours - 1) for k in range(self.sources))

    def feed(self, k: int, hour: int) -> bytes:
        host, r = self.host(k), rate(k)
        entries = []
        for n in reversed(self.window(k, hour)):
            when = EPOCH + timedelta(hours=n / r)
            w = [_WORDS[(k * 31 + n * 17 + i * 7) % len(_WORDS)] for i in range(2)]
            own = item_words(k, n, 48)
            title = f"{own[0].title()} {own[1]} {w[0]}: {own[2]} and {w[1]} #{n}"
            text = " ".join(own[3:]) + "."
            entries.append(
                "<item>"
                f"<title>{escape(title)}</title>"
                f"<link>https://{host}/posts/{k}/{n}</link>"
                f'<guid isPermaLink="false">load-{k}-{n}</guid>'
                f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                f"<description>{escape(text)}</description>"
                "</item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Load feed {k}</title><link>https://{host}/</link>"
            f"<description>feed {k} of the load generator</description>"
            + "".join(entries)
            + "</channel></rss>\n"
        ).encode()

    def lookup(self, host: str, path: str) -> Doc | None:
        """The response for (host, path) at the current simulated hour (`ReplayServer`
        calls this for every request)."""
        name = host.strip().lower().split(":", 1)[0]
        path = path.split("?", 1)[0]
        if path == "/robots.txt":
            return Doc(body=ROBOTS_TXT, content_type="text/plain")
        if not (path.startswith("/feeds/") and path.endswith(".xml")):
            return None
        number = path[len("/feeds/") : -len(".xml")]
        if not number.isdigit() or int(number) >= self.sources:
            return None
        k = int(number)
        if self.host(k) != name:
            return None
        latest = self.window(k, self.hour)[-1]
        modified = EPOCH + timedelta(hours=latest / rate(k))
        return Doc(body=self.feed(k, self.hour), content_type=RSS_TYPE, last_modified=modified)

    def catalogue_yaml(self, port: int) -> str:
        """A `sources.yaml`: every feed (kind rss, hourly), every hostname resolved to
        127.0.0.1:`port` and allowed; article fetching off (the soak measures collection
        and the daily tables, not a million article pages)."""
        hosts = [host_name(n) for n in range(min(self.hosts, self.sources))]
        lines = [f"# load generator: {self.sources} feeds on {len(hosts)} hosts", "sources:"]
        for k in range(self.sources):
            lines += [
                f"  - id: {self.source_id(k)}",
                "    kind: rss",
                f"    url: {self.url(k)}",
                "    every: 1h",
                "    tags: [load]",
            ]
        lines += [
            "settings:",
            "  per_host_concurrency: 8",
            "  timeout_s: 30",
            "  fetch_articles: false",
            "  allow_private_hosts:",
            *(f"    - {h}" for h in hosts),
            "  resolve:",
            *(f"    {h}: 127.0.0.1:{port}" for h in hosts),
        ]
        return "\n".join(lines) + "\n"

    def write_catalogue(self, path: Path, port: int) -> None:
        path.write_text(self.catalogue_yaml(port))


class LoadServer(ReplayServer):
    """The replay server without its gzip cache: every hour serves new bodies, and keeping
    them all would grow the server by a body per feed and hour."""

    def _gzipped(self, doc: Doc) -> bytes:
        import gzip

        return gzip.compress(doc.body, compresslevel=6, mtime=0)


@contextlib.contextmanager
def serve(load: LoadCorpus) -> Iterator[LoadServer]:
    """`load` served on 127.0.0.1 (a free port) for the duration of the block."""
    with LoadServer(load) as server:
        yield server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--hour", type=int, default=0, help="simulated hour served")
    parser.add_argument("--catalogue", type=Path, default=Path("sources.yaml"))
    args = parser.parse_args()
    load = LoadCorpus(args.sources, args.hosts, args.hour)
    with serve(load) as server:
        load.write_catalogue(args.catalogue, server.port)
        print(
            f"serving {args.sources} feeds on {args.hosts} hosts at 127.0.0.1:{server.port},"
            f" hour {args.hour} ({date_of(args.hour)}); catalogue {args.catalogue}; Ctrl-C stops"
        )
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
