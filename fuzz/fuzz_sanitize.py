"""Fuzz target `sanitize`: see `checks.check_sanitize` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_sanitize.py -max_total_time=60 fuzz/corpus/sanitize
"""

from __future__ import annotations

import atheris
from checks import load, run

with atheris.instrument_imports(include=["riverbed"]):
    check = load("sanitize")

if __name__ == "__main__":
    run(check)
