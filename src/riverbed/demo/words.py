"""Vocabulary of the demo corpus: invented brands and people, real technologies, and the
templates that turn them into natural tech-news titles and prose.

Everything here is data; `riverbed.demo.text` draws from it with a seeded `random.Random`.
Brands are invented compounds (`quillstack`, `ferrolabs`) so the demo never names a real
company's domain; technologies are real, because that is what a tech feed talks about.
Each product carries the features its releases could plausibly ship, so generated
headlines stay coherent ("Postgres 18 ships async I/O", not "Postgres 18 ships runes").
"""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    """`"a b | c d"` -> `("a b", "c d")`: compact lists of multi-word phrases."""
    return tuple(p.strip() for p in text.split("|") if p.strip())


BRAND_HEADS = _words(
    "quill ferro lumen basalt cinder harbor tidal copper signal orbit maple granite nimbus "
    "vertex pixel kelp aurora cobalt ember fjord glacier juniper lattice meridian onyx prairie "
    "quartz rivet sable tundra umber willow zephyr anvil beacon canopy falcon garnet hollow "
    "jetty kestrel lichen mosaic nebula opal pylon ridge spruce thistle upland wharf alder "
    "bramble coral drift heron indigo marlin nettle osprey pebble saffron tamarack"
)
BRAND_TAILS = _words(
    "stack labs works forge base loop byte grid mesh flow wire shift scale craft hub ops data "
    "cloud kit line field point"
)
FIRST_NAMES = _words(
    "Ada Amara Anika Arjun Beatriz Bilal Camille Chen Dmitri Elif Emeka Farah Fatima Gabriel "
    "Hana Hiroshi Ines Ivan Jana Javier Kai Kwame Lars Leila Lucia Mateo Mei Mika Nadia Noor "
    "Olga Omar Priya Rafael Rosa Sanjay Sofia Tariq Tomas Ursula Valentina Wei Yara Yusuf Zoe "
    "Marta Felix Greta Henrik Aiko"
)
LAST_NAMES = _words(
    "Okafor Lindqvist Moreau Nakamura Kowalski Haddad Fernandes Novak Achterberg Bianchi "
    "Castellanos Dubois Eriksen Fischer Gupta Horvat Ibrahim Jansen Kim Laurent Mensah Nguyen "
    "Oyelaran Petrov Quispe Rahman Silva Tanaka Underwood Varga Walsh Xu Yilmaz Zielinski "
    "Adeyemi Brennan Costa Dimitrov Esposito Forsberg Garcia Holm"
)


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    versions: tuple[str, ...]
    features: tuple[str, ...]  # what a release of it could ship
    kind: str = ""  # products of one kind are alternatives ("Why we moved from X to Y")


def _product(name: str, versions: str, features: str, kind: str = "") -> Product:
    return Product(name, _words(versions), _phrases(features), kind)


@dataclass(frozen=True, slots=True)
class Topic:
    """What feeds of one tag talk about."""

    tag: str
    products: tuple[Product, ...]
    things: tuple[str, ...]  # "connection pooling": what a post explains
    problems: tuple[str, ...]  # "a deadlock": what a postmortem debugs
    metrics: tuple[str, ...]  # "p99 latency": what a post improves


TOPICS: tuple[Topic, ...] = (
    Topic(
        "databases",
        (
            _product(
                "Postgres",
                "17 18",
                "async I/O | skip scans for B-tree indexes | virtual generated columns"
                " | OAuth authentication | faster major-version upgrades",
                "sql",
            ),
            _product("SQLite", "3.48 3.49", "a faster JSON parser | new math functions"),
            _product(
                "DuckDB",
                "1.2 1.3",
                "a faster CSV reader | a new storage format | Iceberg writes",
                "analytics",
            ),
            _product(
                "ClickHouse",
                "25.3 25.4",
                "lightweight updates | a new JSON data type | vector search indexes",
                "analytics",
            ),
            _product("MySQL", "8.4 9.2", "JavaScript stored programs | a vector data type", "sql"),
            _product("Valkey", "8.1", "a new hash table | multi-threaded I/O"),
            _product("CockroachDB", "25.1", "vector indexes | faster backups", "sql"),
            _product("MariaDB", "11.7", "vector search", "sql"),
        ),
        _phrases(
            "connection pooling | index bloat | write amplification | MVCC | query planning"
            " | LSM trees | write-ahead logging | partitioned tables"
            " | zero-downtime schema migrations | read replicas | vacuum tuning"
        ),
        _phrases(
            "a deadlock | a replication lag spike | a corrupted index | runaway autovacuum"
            " | transaction ID wraparound | a slow query plan regression"
        ),
        _phrases("p99 latency | query time | storage costs | replication lag | checkpoint time"),
    ),
    Topic(
        "rust",
        (
            _product(
                "Rust",
                "1.85 1.86 1.87",
                "async closures | the 2024 edition | trait upcasting"
                " | precise capturing in impl Trait",
                "systems",
            ),
            _product("Tokio", "1.44", "a task dump API | faster timers"),
            _product("Cargo", "1.86", "a new dependency resolver | build-script caching"),
            _product("Axum", "0.8", "a new path parameter syntax"),
            _product("Bevy", "0.16", "GPU-driven rendering | entity relationships"),
        ),
        _phrases(
            "lifetimes | unsafe code | async cancellation | zero-copy parsing"
            " | error handling with thiserror | compile times | Pin and self-referential types"
            " | arena allocation | SIMD in stable Rust"
        ),
        _phrases("a use-after-free in unsafe code | a Tokio runtime stall | a 40-minute build"),
        _phrases("build times | binary size | memory usage | p99 latency"),
    ),
    Topic(
        "python",
        (
            _product(
                "Python",
                "3.13 3.14",
                "a free-threaded build | a copy-and-patch JIT | template strings"
                " | deferred evaluation of annotations | a new REPL",
            ),
            _product(
                "Django", "5.2", "composite primary keys | automatic model imports in the shell"
            ),
            _product(
                "pandas",
                "3.0",
                "Copy-on-Write by default | a PyArrow-backed string dtype",
                "dataframe",
            ),
            _product("uv", "0.7", "Python version pinning | a native build backend"),
            _product("NumPy", "2.2", "a new StringDType | free-threading support"),
            _product("Polars", "1.25", "a new streaming engine | GPU acceleration", "dataframe"),
        ),
        _phrases(
            "the GIL | packaging | type hints | asyncio task groups | descriptors | lockfiles"
            " | memory profiling | C extensions | dataclasses vs pydantic"
        ),
        _phrases("a memory leak in a C extension | an asyncio deadlock | a broken wheel upload"),
        _phrases("startup time | memory usage | CI time | import time"),
    ),
    Topic(
        "go",
        (
            _product(
                "Go",
                "1.24 1.25",
                "generic type aliases | Swiss-table maps | a new weak package"
                " | os.Root for directory-limited file access | testing/synctest"
                " | container-aware GOMAXPROCS",
            ),
            _product("gopls", "0.18", "modernizer analyzers"),
            _product("Caddy", "2.10", "encrypted ClientHello | post-quantum TLS"),
            _product("Hugo", "0.145", "a new template system"),
        ),
        _phrases(
            "goroutine leaks | escape analysis | the scheduler | profile-guided optimisation"
            " | structured logging with slog | context cancellation | the garbage collector"
        ),
        _phrases("a goroutine leak | a data race in production | GC pauses under load"),
        _phrases("p99 latency | GC pause time | heap size | build times"),
    ),
    Topic(
        "devops",
        (
            _product(
                "Kubernetes",
                "1.32 1.33",
                "in-place pod resizing | sidecar containers | user namespaces for pods"
                " | DRA for GPUs",
            ),
            _product("Terraform", "1.11", "ephemeral values | write-only attributes", "iac"),
            _product("OpenTofu", "1.9", "provider for_each | early variable evaluation", "iac"),
            _product(
                "Docker Engine",
                "28.0",
                "multi-platform builds by default | the containerd image store",
                "containers",
            ),
            _product("Podman", "5.4", "Quadlet build units", "containers"),
            _product("Argo CD", "3.0", "fine-grained RBAC"),
        ),
        _phrases(
            "GitOps | blue-green deploys | pod disruption budgets | infrastructure drift"
            " | secrets management | autoscaling | platform engineering | on-call rotations"
            " | canary releases"
        ),
        _phrases(
            "a cascading failure | a DNS outage | an expired certificate"
            " | a misconfigured load balancer | a runaway deploy"
        ),
        _phrases("deploy time | cloud spend | mean time to recovery | build minutes"),
    ),
    Topic(
        "security",
        (
            _product(
                "OpenSSH",
                "9.9 10.0",
                "post-quantum key exchange by default | the removal of DSA keys",
            ),
            _product("OpenSSL", "3.5", "post-quantum algorithms | QUIC server support"),
            _product("Cosign", "2.4", "build provenance attestations"),
            _product("GnuPG", "2.5", "post-quantum encryption"),
            _product("Vault", "1.19", "secrets sync | a new PKI engine"),
        ),
        _phrases(
            "supply-chain attacks | SBOMs | threat modelling | SSRF | sandboxing"
            " | secrets in CI | memory safety | certificate transparency"
            " | zero trust networking"
        ),
        _phrases("a leaked API key | a dependency confusion attack | an SSRF in an image proxy"),
        _phrases("attack surface | time to patch | false positives"),
    ),
    Topic(
        "machine-learning",
        (
            _product(
                "PyTorch",
                "2.6 2.7",
                "FlexAttention | FP8 training | compiled autograd",
                "ml-framework",
            ),
            _product("JAX", "0.5", "a new shard_map API", "ml-framework"),
            _product("llama.cpp", "b5000", "multimodal input | speculative decoding", "inference"),
            _product(
                "vLLM",
                "0.8",
                "a V1 engine | structured output decoding | prefix caching by default",
                "inference",
            ),
            _product("scikit-learn", "1.6", "array API support | metadata routing"),
            _product("ONNX Runtime", "1.21", "a WebGPU execution provider", "inference"),
        ),
        _phrases(
            "retrieval-augmented generation | embeddings | quantisation | fine-tuning"
            " | evaluation harnesses | mixture of experts | tokenisers | vector search"
            " | small language models"
        ),
        _phrases("a silent data leak in an eval set | NaN losses at step 40k | a GPU memory leak"),
        _phrases("inference cost | tokens per second | GPU memory | training time"),
    ),
    Topic(
        "web",
        (
            _product("React", "19 19.1", "server components | Actions | the use hook", "ui"),
            _product(
                "TypeScript",
                "5.8 5.9",
                "an erasable-syntax-only mode | granular checks for return expressions",
            ),
            _product(
                "Node.js",
                "23 24",
                "native TypeScript type stripping | require(esm) by default | a global URLPattern",
                "js-runtime",
            ),
            _product("Deno", "2.2", "built-in OpenTelemetry | a new lint plugin API", "js-runtime"),
            _product("Firefox", "137 138", "tab groups | vertical tabs", "browser"),
            _product(
                "Chrome",
                "135 136",
                "CSS anchor positioning | customisable select elements",
                "browser",
            ),
            _product("Svelte", "5", "runes | snippets", "ui"),
            _product("Vite", "6.3", "the Environment API | a Rust-based bundler"),
        ),
        _phrases(
            "hydration | web components | CSS container queries | bundle size"
            " | service workers | accessibility | core web vitals | HTTP caching"
            " | progressive enhancement"
        ),
        _phrases("a hydration mismatch | a memory leak in a single-page app | CDN cache poisoning"),
        _phrases("bundle size | time to interactive | largest contentful paint | page weight"),
    ),
    Topic(
        "linux",
        (
            _product(
                "Linux",
                "6.14 6.15",
                "io_uring zero-copy receive | more Rust drivers | a new NTSYNC driver"
                " | uncached buffered I/O",
            ),
            _product("Debian", "13", "APT 3.0 | 64-bit time_t everywhere", "distro"),
            _product("Fedora", "42", "a new web-based installer | a KDE Plasma edition", "distro"),
            _product("systemd", "257", "run0 | systemd-vmspawn"),
            _product("GNOME", "48", "HDR support | notification stacking", "desktop"),
            _product(
                "KDE Plasma", "6.3", "better fractional scaling | drawing tablet mapping", "desktop"
            ),
        ),
        _phrases(
            "eBPF | cgroups v2 | the page cache | io_uring | kernel live patching"
            " | namespaces | the OOM killer | perf | memory-mapped files"
        ),
        _phrases("a kernel panic on boot | page cache thrashing | an io_uring regression"),
        _phrases("boot time | tail latency | context switches | power usage"),
    ),
    Topic(
        "distributed-systems",
        (
            _product(
                "Kafka",
                "4.0",
                "KRaft-only mode | queues for Kafka | a new consumer rebalance protocol",
                "streaming",
            ),
            _product("etcd", "3.6", "downgrade support | a feature gate framework"),
            _product("NATS", "2.11", "per-message TTLs | distributed tracing", "streaming"),
            _product("Redpanda", "25.1", "Iceberg topics", "streaming"),
            _product("Temporal", "1.27", "workflow updates | Nexus"),
            _product("Apache Flink", "2.0", "disaggregated state | materialized tables"),
        ),
        _phrases(
            "consensus | clock skew | idempotency keys | backpressure | Raft"
            " | the outbox pattern | CRDTs | leader election | tail latency"
        ),
        _phrases("a split brain | a thundering herd | a retry storm | a poisoned message"),
        _phrases("end-to-end latency | consumer lag | throughput | tail latency"),
    ),
    Topic(
        "observability",
        (
            _product(
                "Prometheus",
                "3.3",
                "native histograms | UTF-8 metric names | a new remote write protocol",
                "metrics",
            ),
            _product("Grafana", "12", "dashboards as code | Git sync"),
            _product("Jaeger", "2.4", "an OpenTelemetry-based core"),
            _product("OpenTelemetry Collector", "0.124", "a stable OTLP receiver"),
        ),
        _phrases(
            "high-cardinality metrics | tail sampling | SLOs | structured logs"
            " | continuous profiling | alert fatigue | distributed tracing"
        ),
        _phrases("an alert storm | a silent metrics gap | a cardinality explosion"),
        _phrases("observability costs | alert noise | time to detect | ingest volume"),
    ),
    Topic(
        "programming-languages",
        (
            _product("Zig", "0.14", "incremental compilation | labeled switch continue", "systems"),
            _product("Swift", "6.1", "trailing commas everywhere | better concurrency errors"),
            _product(
                "Kotlin", "2.1", "guard conditions in when | multi-dollar interpolation", "jvm"
            ),
            _product(
                "Java",
                "24",
                "compact object headers | stream gatherers | virtual threads without pinning",
                "jvm",
            ),
            _product("C++", "26", "static reflection | contracts", "systems"),
            _product("OCaml", "5.3", "effect handler syntax", "functional"),
            _product("Gleam", "1.10", "JavaScript source maps", "functional"),
            _product("Elixir", "1.18", "set-theoretic types | built-in JSON", "functional"),
        ),
        _phrases(
            "garbage collection | type inference | compile-time evaluation | memory models"
            " | pattern matching | algebraic effects | language servers | parser combinators"
        ),
        _phrases(
            "an undefined behaviour bug | a compiler miscompilation | a stack overflow in a parser"
        ),
        _phrases("compile times | binary size | startup time | allocation rate"),
    ),
)

TOPIC_BY_TAG = {t.tag: t for t in TOPICS}

# A post title. Slots: {product} {version} {product2} {feature} {thing} {problem} {metric}
# {pct} {n} {minutes} {bignum} {year} {brand_title} {service}. A blog post is about a subject,
# not news: no release headline ("{product} {version} ships …") and no incident report —
# a company's own incident and release posts are press releases (`PRESS_TITLES`), labelled
# with the event they announce.
POST_TITLES = _phrases(
    "What's new in {product}: {feature}"
    " | How we cut our {metric} by {pct}% by rethinking {thing}"
    " | How we cut our {metric} by {pct}%"
    " | Why we moved from {product} to {product2}"
    " | A deep dive into {thing}"
    " | {n} lessons from running {product} in production"
    " | Notes on {thing}"
    " | How we debugged {problem}"
    " | The hidden cost of {thing}"
    " | Understanding {thing}"
    " | What {problem} taught us about {thing}"
    " | Benchmarking {product} against {product2}"
    " | {thing}, explained"
    " | We replaced {product} with {product2}. Here's what happened"
    " | Things I wish I knew about {thing} before going to production"
    " | A gentle introduction to {thing}"
    " | What {bignum} requests per second taught us about {thing}"
    " | Inside {product}: {feature}"
    " | Is {thing} still worth it in {year}?"
    " | Reading the {product} source code: {thing}"
    " | {thing} without the hype"
    " | Our {thing} setup, one year later"
    " | Trying {feature} in {product}"
    " | The case against {thing}"
    " | Upgrading {product}: what broke and what got faster"
)

# Kinds of shared "big story", each with several headline forms (feeds retitle stories).
STORY_TITLES: dict[str, tuple[str, ...]] = {
    "release": _phrases(
        "{product} {version} ships {feature}"
        " | {product} {version} released with {feature}"
        " | {product} {version} is out: {feature} and more"
        " | {product} {version} brings {feature}"
    ),
    "incident": _phrases(
        "{brand_title} outage: {problem} took down {service} for {hours} hours"
        " | {brand_title} says {problem} caused this week's {service} outage"
        " | How {problem} knocked {brand_title}'s {service} offline"
    ),
    "security": _phrases(
        "Critical vulnerability in {product} ({cve})"
        " | {product} patches critical flaw {cve}"
        " | {cve}: what you need to know about the {product} vulnerability"
        " | Patch now: {product} {cve} is being exploited"
    ),
    "acquisition": _phrases(
        "{brand_title} acquires {brand2_title}"
        " | {brand_title} buys {thing} startup {brand2_title}"
        " | {brand2_title} joins {brand_title}, promises deeper {product} integration"
    ),
    "research": _phrases(
        "Researchers show {thing} can cut {metric} by {pct}%"
        " | New paper: {thing} cuts {metric} by {pct}%"
        " | A {pct}% drop in {metric} from {thing}, says new study"
    ),
    "funding": _phrases(
        "{brand_title} raises ${money}M to build {thing} tooling"
        " | {brand_title} lands ${money}M Series {round} for {thing}"
    ),
}

SERVICES = _phrases(
    "the API | checkout | search | the dashboard | login | webhooks | the CI fleet"
    " | object storage | the status page | payments | notifications"
)
BIGNUMS = _phrases("100k | 250k | 1M | 2 million | 10 million | 50k")

# Prose for summaries and article bodies; the same slots as titles.
SENTENCES = _phrases(
    "In this post we look at {thing} and why it matters for teams running {product} at scale."
    " | The short version: {metric} dropped by {pct}% after the change, and it has stayed"
    " there for {n} weeks."
    " | We started by measuring {metric} across {n} services before touching any code."
    " | The {product} {version} release notes describe {feature} in a single paragraph, which"
    " undersells it."
    " | Most of the work was not in the code but in understanding how {thing} behaves under"
    " load."
    " | Our first attempt made things worse: {metric} went up by {pct}% on the busiest shard."
    " | If you only take one thing away from this post, measure before you tune."
    " | The fix itself was a {n}-line patch; finding it took three engineers most of a week."
    " | We rolled the change out behind a flag, one region at a time."
    " | {product2} handled the same workload comfortably, but the migration cost was real."
    " | There is a good discussion of {thing} in the upstream issue tracker."
    " | None of this is new, but the tooling around {thing} has improved a lot this year."
    " | Benchmarks are on a {n}-core machine with the default configuration unless noted."
    " | We were surprised how much of the latency came from {thing} rather than the database."
    " | It turned out {problem} was hiding behind a retry loop that nobody remembered writing."
    " | Upstream maintainers reviewed the patch within a day, which says a lot about the"
    " project."
    " | The trade-off is more memory per connection, which was fine for us and may not be for"
    " you."
    " | We published the scripts we used so that you can reproduce the numbers."
    " | Next we want to look at {feature}, which should help with the remaining tail latency."
    " | For context, the system serves about {bignum} requests per second at peak."
    " | The incident review found no single root cause, but {problem} was the trigger."
    " | {feature} is the headline change, but the smaller fixes matter just as much day to"
    " day."
    " | Teams upgrading from older releases should read the migration notes first."
    " | The maintainers thank {n} first-time contributors for this release."
)

SPONSORS = _phrases(
    "Sponsored: Try {brand_title} Cloud free for 30 days"
    " | Sponsored: {brand_title} — observability without the bill shock"
    " | Sponsored: Ship faster with {brand_title} CI"
)

# Boilerplate around article bodies (nav, footer) so extraction has something to discard.
NAV_LINKS = _words("Home Topics Newsletter Podcast Jobs About")

# -- article pages (riverbed.demo.articles) ------------------------------------------------
# More body prose for article pages, so a page reads as one piece and not the same few lines
# (templates naming a slot the article lacks, e.g. {cve} on a blog post, are skipped).
ARTICLE_SENTENCES = _phrases(
    "We had been putting this off for a while, mostly because the old setup kept working."
    " | The first sign of trouble was a slow climb in {metric} that nobody could explain."
    " | It is tempting to blame {product} for this, but the defaults were doing what they"
    " say."
    " | Once we could reproduce {problem} on a laptop, the rest went quickly."
    " | We kept a written log of every change, which made the later review much easier."
    " | The dashboards looked healthy the whole time, which is part of what made this hard."
    " | Reading the {product} source turned out to be faster than reading the forums."
    " | A colleague pointed out that {thing} only matters once the working set stops fitting"
    " in memory."
    " | We tried three approaches before settling on the boring one."
    " | The boring option won because everyone on the team could operate it at three in the"
    " morning."
    " | Rolling back was never needed, but we rehearsed it twice anyway."
    " | Our load tests replay a day of production traffic at {n} times the usual rate."
    " | The numbers below are medians over {n} runs; the spread was small."
    " | On the busiest day of the quarter {metric} stayed flat, which was the real test."
    " | There is still work to do on {feature}, and we will write about it when it ships."
    " | If you run {product} yourself, the relevant settings are all documented upstream."
    " | Nothing here needed a new service, only a better understanding of the one we had."
    " | The change also made {thing} easier to reason about, which we did not expect."
    " | We owe a thank-you to the people who answered our questions on the mailing list."
    " | Some of this will not apply to smaller deployments, and that is fine."
    " | We also looked at {product2}, which solves the same problem in a different way."
    " | In hindsight the alerts were telling us about {problem} weeks earlier."
    " | Capacity planning got simpler: one number to watch instead of five."
    " | The patch is small, but the test suite around it doubled in size."
)
# News prose: what any story says, then what a story of each kind says (STORY_TITLES kinds).
NEWS_SENTENCES = _phrases(
    "{brand_title} confirmed the details in a statement on its website."
    " | The announcement drew a mixed reaction from developers on social media."
    " | Several large users have already said they plan to adopt it."
    " | A spokesperson declined to comment beyond the published statement."
    " | The news comes a week after a similar announcement from a competitor."
    " | Reaction from the community was broadly positive, with some concern about migration"
    " effort."
    " | The project's maintainers answered questions in a public call on Thursday."
    " | Industry watchers said the timing was not a surprise."
    " | Teams running {product} in production will want to read the details carefully."
    " | The change affects an estimated {bignum} deployments, according to the company."
    " | Documentation for the change was published alongside the announcement."
    " | It is one of {n} similar announcements in the field this year."
    " | The details were first reported on the project's mailing list."
    " | Most users will not need to change anything, according to the documentation."
    " | The company's {service} team led the work, a spokesperson said."
    " | Questions remain about how the change will affect smaller deployments."
    " | A longer technical write-up is expected later this month."
    " | Customers were notified by email ahead of the public announcement."
    " | The same week, {product} maintainers published their plans for the next release."
    " | Observers noted that {thing} has become a recurring theme this year."
    " | The original announcement has since been updated with answers to common questions."
    " | Comment threads on the main link aggregators ran to several hundred replies."
    " | {brand_title} has not said when further details will be published."
    " | This story has been updated with additional detail."
)
NEWS_BY_KIND: dict[str, tuple[str, ...]] = {
    "release": _phrases(
        "{product} {version} is available now, and most distributions are expected to"
        " package it within days."
        " | The maintainers describe {feature} as the most requested change of the past year."
        " | Users on older releases are advised to read the upgrade notes before moving."
        " | According to the project, {metric} improves by up to {pct}% in typical workloads."
        " | The release also removes several options deprecated {n} versions ago."
        " | Early benchmarks from users broadly match the project's own numbers."
    ),
    "incident": _phrases(
        "The outage began shortly after a routine configuration change, according to the"
        " status page."
        " | Engineers restored {service} after about {hours} hours and are monitoring the fix."
        " | A full incident report is promised within {n} days."
        " | The company said it had seen no evidence that customer data was affected."
        " | Customers reported errors from {service} for most of the morning in Europe."
        " | {brand_title} apologised and said it would publish a detailed timeline."
    ),
    "security": _phrases(
        "The flaw, tracked as {cve}, affects every supported release of {product}."
        " | Patched builds were published on the same day the issue was disclosed."
        " | Administrators are urged to upgrade immediately or apply the workaround."
        " | The researchers who found the issue reported it privately {n} weeks ago."
        " | There is no evidence yet of exploitation in the wild, the maintainers said."
        " | The advisory rates the vulnerability as critical."
    ),
    "acquisition": _phrases(
        "Financial terms of the deal were not disclosed."
        " | {brand2_title} will continue to operate as a separate product for now."
        " | The {brand2_title} team, about {n}0 people, will join {brand_title}'s platform"
        " group."
        " | Analysts said the move puts {brand_title} in direct competition with larger rivals."
        " | Existing {brand2_title} customers will see no change to their contracts this year."
    ),
    "research": _phrases(
        "The paper's authors have published their code and data alongside the results."
        " | Independent researchers said the results look plausible but need replication."
        " | The experiments ran on clusters of up to {n}00 machines."
        " | The authors say the technique needs no changes to application code."
        " | The work will be presented at a systems conference later this year."
    ),
    "funding": _phrases(
        "{brand_title} said the round, led by existing investors, values the company at an"
        " undisclosed figure."
        " | The funding will go towards hiring and towards {thing} tooling, the company said."
        " | {brand_title} now employs about {n}0 people, most of them engineers."
        " | The company says revenue tripled over the past year."
        " | Investors pointed to the growth of {product} as the reason for the bet."
    ),
}
# A company's own announcement of an event a news story reports (press releases on its blog):
# the same facts (slots) as the story, in the company's voice.
PRESS_TITLES: dict[str, tuple[str, ...]] = {
    "incident": _phrases(
        "Incident report: what took down {service}"
        " | What happened to {service} this week"
        " | Postmortem: how {problem} took down {service}"
        " | Update: {service} is back, and what went wrong"
    ),
    "acquisition": _phrases(
        "{brand_title} is acquiring {brand2_title}"
        " | Welcoming the {brand2_title} team to {brand_title}"
        " | Why we are bringing {brand2_title} into {brand_title}"
    ),
    # the acquired company's post about the same deal
    "acquired": _phrases(
        "{brand2_title} is joining {brand_title}"
        " | Our next chapter: {brand2_title} joins {brand_title}"
    ),
    "funding": _phrases(
        "Announcing our ${money}M Series {round}"
        " | We raised ${money}M to build better {thing} tooling"
        " | Our Series {round}, and what comes next for {thing}"
    ),
}
PRESS_SENTENCES = _phrases(
    "Today we are sharing an update with our customers and the wider community."
    " | We want to be open about what happened and what we are doing next."
    " | Thank you to every customer who has trusted {brand_title} with {thing}."
    " | If you have questions, our support team is ready to help."
    " | We will keep this post updated as we have more to share."
    " | The team behind {service} has been working towards this for months."
    " | None of this would be possible without the people who build {brand_title} every day."
    " | We are hiring across engineering, support and product."
    " | Customers were notified by email before this post went up."
)
PRESS_BY_KIND: dict[str, tuple[str, ...]] = {
    "incident": _phrases(
        "For about {hours} hours, {service} returned errors for a large share of requests."
        " | The trigger was {problem}, introduced during a routine configuration change."
        " | No customer data was lost or exposed during the incident."
        " | We have rolled out a fix and added monitoring for {problem}."
        " | Over the next {n} weeks we will change how we deploy to {service}."
        " | We are sorry for the disruption this caused, and we know it affected your work."
    ),
    "acquisition": _phrases(
        "We have signed an agreement under which {brand_title} acquires {brand2_title}."
        " | {brand2_title} customers keep their current plans and contracts."
        " | The {brand2_title} team joins our platform group and keeps working on"
        " {product} integration."
        " | Together we can offer a much deeper {product} integration than either company"
        " could alone."
        " | The deal is expected to close within {n} weeks."
    ),
    "funding": _phrases(
        "We have raised ${money}M in a Series {round} round led by our existing investors."
        " | The new funding lets us grow the team and invest in {thing} tooling."
        " | Over the past year our customer base tripled, most of it running {product}."
        " | We plan to hire around {n}0 engineers over the next year."
        " | Our roadmap for {thing} stays public, and the new money speeds it up."
    ),
}

# Short imperatives for the bulleted lists some posts carry.
LIST_LINES = _phrases(
    "Measure {metric} before and after every change"
    " | Keep the {product} defaults unless a benchmark says otherwise"
    " | Alert on the symptom, not on the cause"
    " | Write down what you expect before you deploy"
    " | Roll out one region at a time"
    " | Test the rollback, not just the rollout"
    " | Budget time for {thing} in every quarter"
    " | Read the release notes for {product} {version} in full"
    " | Keep a runbook next to every dashboard"
    " | Treat {problem} as a process failure, not a person's"
)
# Reader comments under posts and stories (boilerplate an extractor should leave out).
COMMENT_LINES = _phrases(
    "Great write-up, thanks for sharing the numbers."
    " | We hit exactly the same thing with {product} last year."
    " | Did you try tuning {thing} before switching?"
    " | How long did the migration take end to end?"
    " | This matches what we see in production, almost to the percent."
    " | I would love a follow-up on {feature}."
    " | The part about {problem} is painfully familiar."
    " | Any chance you could publish the benchmark scripts?"
    " | Interesting, but I think {product2} gets this right by default."
    " | Bookmarked. Sending this to the rest of the team."
    " | What does the memory overhead look like at {bignum} requests per second?"
    " | Nice to see a post that admits the first attempt failed."
)
NEWSLETTER_PITCHES = _phrases(
    "Get the {site} briefing in your inbox every weekday morning."
    " | Join {n}0,000 engineers who read {site} every week."
    " | The best of {site}, once a week. No spam, unsubscribe at any time."
)
