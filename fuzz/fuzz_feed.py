"""Fuzz target `feed`: see `checks.check_feed` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_feed.py -max_total_time=60 fuzz/corpus/feed
"""

from __future__ import annotations

import atheris
from checks import load, run

with atheris.instrument_imports(include=["riverbed"]):
    check = load("feed")

if __name__ == "__main__":
    run(check)
