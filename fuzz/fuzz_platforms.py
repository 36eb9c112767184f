"""Fuzz target `platforms`: see `checks.check_platforms` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_platforms.py -max_total_time=60 fuzz/corpus/platforms
"""

from __future__ import annotations

import atheris
from checks import load, run

with atheris.instrument_imports(include=["riverbed"]):
    check = load("platforms")

if __name__ == "__main__":
    run(check)
