"""The fuzz targets, their seed corpora, and the one way to run a target (a subprocess).

`atheris.Fuzz()` ends with `sys.exit`, so every target runs in its own process:
`python fuzz/fuzz_<name>.py [libFuzzer flags] CORPUS_DIR SEED_DIR...`. Used by
`scripts/fuzz.py` (long runs) and `tests/property/test_fuzz_smoke.py` (CI).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
REPO = FUZZ_DIR.parent
FIXTURES = REPO / "tests" / "fixtures"

# target name -> fixture folders whose files seed its corpus
TARGETS: dict[str, tuple[str, ...]] = {
    "feed": ("feeds", "platforms/arxiv", "platforms/youtube"),
    "platforms": ("platforms",),
    "extract": ("articles", "platforms/html", "platforms/github"),
    "sanitize": ("render", "articles"),
    "canonical": (),
    "opml": ("catalogues",),
    "catalogue": ("catalogues",),
}

# libFuzzer limits shared by every run: one input may take 20 s and 2 GiB at most (a hang or
# a memory blow-up is a finding, like a crash); inputs up to 64 KiB.
LIMITS = ("-timeout=20", "-rss_limit_mb=2048", "-max_len=65536", "-print_final_stats=1")

_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_CRASH_MARKERS = (
    "Uncaught Python exception",
    "ERROR: libFuzzer",
    "==ERROR",
    "timeout after",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    target: str
    returncode: int
    execs: int  # inputs run, as libFuzzer counts them (0 when it never got that far)
    crashed: bool  # an uncaught exception, a timeout or an out-of-memory
    log: str


def script(target: str) -> Path:
    return FUZZ_DIR / f"fuzz_{target}.py"


def seed_dirs(target: str) -> list[Path]:
    return [FIXTURES / d for d in TARGETS[target]]


def command(target: str, corpus: Path, artifacts: Path, *flags: str) -> list[str]:
    """The argv that fuzzes `target`, growing `corpus`, crash files into `artifacts`."""
    return [
        sys.executable,
        str(script(target)),
        *LIMITS,
        f"-artifact_prefix={artifacts}/",
        *flags,
        str(corpus),
        *(str(d) for d in seed_dirs(target)),
    ]


def outcome(target: str, returncode: int, log: str) -> Outcome:
    """Read a finished run's libFuzzer output."""
    done = _DONE.search(log)
    execs = int(done.group(1)) if done else 0
    crashed = returncode != 0 or any(marker in log for marker in _CRASH_MARKERS)
    return Outcome(target, returncode, execs, crashed, log)
