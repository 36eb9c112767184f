"""A labelled mini-corpus: 40 news stories in four topics, as feeds write them (a headline
and the opening of the text), for the quality assertions of the enricher tests.

The stories are written the way tech news is: product names and versions, numbers, quotes,
a byline or a "Read more" here and there, and vocabulary that overlaps across topics
("index" in databases and search, "model" in ML and threat models, "attack" in security and
adversarial ML) so that a test can fail.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Story:
    story_id: str
    topic: str  # databases | security | ml | space
    title: str
    text: str


_RAW: dict[str, list[tuple[str, str]]] = {
    "databases": [
        (
            "PostgreSQL 18 adds asynchronous I/O and faster major-version upgrades",
            "The PostgreSQL Global Development Group released PostgreSQL 18 on Thursday. The "
            "headline feature is an asynchronous I/O subsystem that lets sequential scans and "
            "vacuum issue reads concurrently, which the project says speeds up scans of large "
            "tables by up to three times on cloud storage. pg_upgrade now keeps planner "
            "statistics, so a database is fast again right after a major-version upgrade.",
        ),
        (
            "Why our Postgres query planner picked a sequential scan",
            "A query that took 4 ms in staging took 9 seconds in production. EXPLAIN ANALYZE "
            "showed the planner estimating 12 rows where 2 million came back: the table's "
            "statistics were stale after a bulk load. Raising the statistics target on the "
            "skewed column and running ANALYZE fixed the plan.",
        ),
        (
            "SQLite 3.49 ships a faster JSON parser",
            "SQLite 3.49.0 is out with a rewritten JSON parser that the developers say is "
            "up to 40% faster on large documents, new math functions, and a fix for a rare "
            "corruption bug in WAL mode when a checkpoint races a crash.",
        ),
        (
            "DuckDB 1.2 brings a new CSV reader and Iceberg support",
            "The DuckDB team released version 1.2 of the in-process analytical database. "
            "The CSV reader now sniffs dialects in parallel, and an extension can read Apache "
            "Iceberg tables directly from object storage. Query performance on TPC-H improved "
            "by 15% over 1.1 thanks to better join ordering.",
        ),
        (
            "Zero-downtime schema migrations on a 2 TB MySQL table",
            "Adding a column to our largest MySQL table used to mean a maintenance window. "
            "We now run online schema changes with gh-ost: it copies rows into a shadow table, "
            "tails the binlog, and swaps the tables atomically. Replication lag stayed under a "
            "second during the whole migration.",
        ),
        (
            "How we fixed transaction ID wraparound before it took the database down",
            "Our monitoring warned that the oldest transaction ID was 1.5 billion "
            "transactions old. Autovacuum could not keep up because a long-running "
            "replication slot held back the xmin horizon. Dropping the abandoned slot and "
            "running an aggressive VACUUM FREEZE on the largest tables brought the age back "
            "under 200 million.",
        ),
        (
            "ClickHouse adds lightweight updates",
            "ClickHouse 25.4 can now update rows in place with a lightweight UPDATE statement "
            "instead of rewriting whole data parts. The column-oriented database marks "
            "changed rows in a patch part and merges them in the background, so analytical "
            "queries keep their speed.",
        ),
        (
            "Index bloat: when your B-tree indexes are bigger than your tables",
            "After months of updates, the indexes on our orders table were three times the "
            "size of the table itself. REINDEX CONCURRENTLY rebuilt them without locking "
            "writes, cut the database size by 60 GB and made index scans noticeably faster.",
        ),
        (
            "Redis fork Valkey 8.1 brings a new hash table",
            "Valkey 8.1, the community fork of the Redis key-value store, replaces its "
            "dictionary with a new hash table that uses less memory per key, and adds "
            "multi-threaded I/O for higher throughput on many-core machines.",
        ),
        (
            "Read replicas are not a backup strategy",
            "A bad migration deleted a column on the primary database, and every read "
            "replica applied it within milliseconds. Point-in-time recovery from WAL "
            "archives is what brought the data back; replicas scale reads, they do not "
            "protect against mistakes.",
        ),
    ],
    "security": [
        (
            "Critical OpenSSH vulnerability allows remote code execution (CVE-2025-32433)",
            "A race condition in the OpenSSH server's signal handler lets an unauthenticated "
            "attacker execute code as root on glibc-based Linux systems. Patched releases "
            "are available; administrators should upgrade sshd immediately or set "
            "LoginGraceTime to 0 as a workaround.",
        ),
        (
            "Ransomware gang exploits unpatched VPN appliances",
            "Attackers are exploiting a year-old authentication bypass in a popular VPN "
            "appliance to deploy ransomware, according to a joint advisory from CISA and the "
            "FBI. Organisations that never applied the patch should assume compromise and "
            "rotate credentials.",
        ),
        (
            "Supply-chain attack: malicious npm package steals cloud credentials",
            "Security researchers found a typosquatted npm package that exfiltrates AWS keys "
            "and SSH private keys from developer machines during installation. The package "
            "was downloaded 40,000 times before the registry removed it.",
        ),
        (
            "Patch now: Chrome zero-day exploited in the wild",
            "Google released an emergency Chrome update fixing a type confusion flaw in the V8 "
            "JavaScript engine that attackers are actively exploiting. The vulnerability, "
            "reported by a threat analysis team, allows a malicious web page to execute "
            "code in the renderer.",
        ),
        (
            "Phishing campaign bypasses MFA with adversary-in-the-middle proxies",
            "A phishing kit sold on criminal forums relays login pages in real time and "
            "steals session cookies, defeating one-time codes. Only phishing-resistant "
            "authentication such as FIDO2 security keys stopped the attack in the incidents "
            "investigators reviewed.",
        ),
        (
            "Data breach exposes 12 million customer records",
            "An exposed Elasticsearch cluster without a password leaked names, addresses and "
            "hashed passwords of 12 million customers. The company says it has notified "
            "regulators and is forcing password resets for every account.",
        ),
        (
            "Linux kernel privilege escalation flaw gets a public exploit",
            "A use-after-free in the netfilter subsystem lets a local user gain root "
            "privileges. A working exploit was published on GitHub, and distributions are "
            "shipping patched kernels; unprivileged user namespaces make the flaw easier to "
            "reach.",
        ),
        (
            "How we rotated every secret after a leaked CI token",
            "A CI token with write access to our container registry showed up in a public "
            "build log. We revoked it within an hour, then rotated every credential the "
            "pipeline could read and audited registry pulls for signs of tampering.",
        ),
        (
            "Critical vulnerability in Apache Tomcat patched",
            "The Apache Software Foundation fixed a critical path traversal vulnerability in "
            "Tomcat that allows remote code execution when partial PUT is enabled. Exploit "
            "attempts were seen three days after disclosure, and users should upgrade to the "
            "patched release.",
        ),
        (
            "Passkeys explained: why passwords are on the way out",
            "Passkeys replace passwords with a key pair stored on your device. Because the "
            "private key never leaves the device and is bound to the website, passkeys "
            "cannot be phished or reused after a breach.",
        ),
    ],
    "ml": [
        (
            "Training a 7B language model on a single GPU node",
            "We fine-tuned a 7-billion-parameter language model on eight GPUs with FSDP and "
            "activation checkpointing. Mixed-precision training in bfloat16 kept memory "
            "under 80 GB per GPU, and the loss curve matched the published baseline after "
            "40k steps.",
        ),
        (
            "PyTorch 2.7 ships FlexAttention improvements",
            "PyTorch 2.7 extends FlexAttention, the API for writing custom attention "
            "variants that compile to fused kernels, and improves torch.compile support for "
            "dynamic shapes, which speeds up inference for transformer models with variable "
            "sequence lengths.",
        ),
        (
            "Mixture of experts, explained",
            "A mixture-of-experts model routes each token to a few expert networks instead of "
            "running every parameter. Training needs a load-balancing loss so the router "
            "does not send every token to the same experts, and inference needs enough GPU "
            "memory to hold all of them.",
        ),
        (
            "Quantization cut our LLM inference cost in half",
            "Serving the model with 4-bit weight quantization halved GPU memory and "
            "doubled throughput. Accuracy on our evaluation set dropped by less than one "
            "point, and latency per generated token fell from 38 ms to 21 ms.",
        ),
        (
            "New paper: retrieval-augmented generation reduces hallucinations",
            "Researchers show that a language model which retrieves passages from a document "
            "index before answering makes 30% fewer factual errors on open-domain question "
            "answering benchmarks, at the cost of higher inference latency.",
        ),
        (
            "Why our model's evaluation scores were too good to be true",
            "Our classifier scored 98% accuracy on the test set and 71% in production. The "
            "cause was data leakage: near-duplicate examples appeared in both the training "
            "data and the test split. Deduplicating before splitting gave honest numbers.",
        ),
        (
            "scikit-learn 1.6 adds array API support",
            "scikit-learn 1.6 lets more estimators run on GPU arrays through the array API "
            "standard, so a model can be trained on PyTorch or CuPy tensors without "
            "copying data back to NumPy, and adds metadata routing to more meta-estimators.",
        ),
        (
            "Fine-tuning embeddings for semantic search",
            "Off-the-shelf sentence embeddings ranked our support articles poorly. Fine-tuning "
            "the embedding model with contrastive loss on 20,000 query and article pairs "
            "raised recall at ten from 0.61 to 0.83.",
        ),
        (
            "Debugging NaN losses in mixed-precision training",
            "The training loss turned into NaN after 40k steps. Gradient overflow in float16 "
            "was the cause: switching the optimizer state to float32, adding gradient "
            "clipping and a loss scaler made the run stable again.",
        ),
        (
            "Small language models are catching up",
            "Models with under 4 billion parameters now match last year's much larger models "
            "on reasoning benchmarks, thanks to better training data and distillation from "
            "bigger teacher models; they run on a laptop GPU.",
        ),
    ],
    "space": [
        (
            "SpaceX catches Starship booster with the launch tower arms",
            "The Super Heavy booster returned to the launch site seven minutes after liftoff "
            "and was caught by the tower's mechanical arms, a first for a rocket of its size. "
            "The Starship upper stage continued on a suborbital trajectory and splashed down "
            "in the Indian Ocean.",
        ),
        (
            "James Webb telescope spots carbon dioxide on an exoplanet",
            "The James Webb Space Telescope detected carbon dioxide in the atmosphere of a "
            "gas giant orbiting a star 700 light-years away. Astronomers say the infrared "
            "spectrum also hints at sulphur dioxide produced by photochemistry.",
        ),
        (
            "NASA delays Artemis crewed lunar landing",
            "NASA pushed the Artemis crewed Moon landing back by a year, citing the heat "
            "shield problems seen on the uncrewed Orion capsule's re-entry and the readiness "
            "of the lunar lander and spacesuits.",
        ),
        (
            "ESA's Jupiter mission completes a lunar-Earth flyby",
            "The JUICE spacecraft swung past the Moon and then Earth in a double gravity "
            "assist, the first ever, bending its trajectory towards Venus and ultimately "
            "Jupiter, where it will study the icy moons Ganymede, Callisto and Europa.",
        ),
        (
            "Rocket Lab launches its 60th Electron",
            "Rocket Lab's Electron rocket lifted off from New Zealand and placed two Earth "
            "observation satellites into orbit. The company is preparing the first launch of "
            "its larger, reusable Neutron rocket.",
        ),
        (
            "Astronomers find the most distant galaxy yet",
            "Spectroscopy from the Webb telescope confirms a galaxy seen 290 million years "
            "after the Big Bang. Its brightness suggests stars formed faster in the early "
            "universe than cosmological models predicted.",
        ),
        (
            "Starlink satellites are crowding low Earth orbit",
            "With more than 7,000 Starlink satellites in orbit, astronomers report streaks in "
            "a growing share of telescope images, and collision-avoidance manoeuvres in low "
            "Earth orbit have doubled in a year.",
        ),
        (
            "A total solar eclipse, explained",
            "During a total solar eclipse the Moon covers the Sun's disc completely and the "
            "corona becomes visible. Totality lasts a few minutes along a narrow path; "
            "astronomers use it to study the solar atmosphere.",
        ),
        (
            "Mars rover finds organic molecules in ancient lakebed rocks",
            "NASA's Perseverance rover drilled a rock sample in Jezero crater that contains "
            "organic molecules and minerals formed in water, the strongest hint yet that the "
            "crater once held a lake that could have supported life.",
        ),
        (
            "Boeing Starliner returns to Earth without its crew",
            "The Starliner capsule undocked from the International Space Station and landed "
            "in New Mexico empty, after thruster failures led NASA to bring its two "
            "astronauts home on a SpaceX Dragon spacecraft instead.",
        ),
    ],
}

STORIES: tuple[Story, ...] = tuple(
    Story(hashlib.sha256(title.encode()).hexdigest()[:16], topic, title, text)
    for topic, rows in _RAW.items()
    for title, text in rows
)
TOPICS = tuple(_RAW)
