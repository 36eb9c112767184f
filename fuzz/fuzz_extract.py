"""Fuzz target `extract`: see `checks.check_extract` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_extract.py -max_total_time=60 fuzz/corpus/extract
"""

from __future__ import annotations

import atheris
from checks import load, run

with atheris.instrument_imports(include=["riverbed"]):
    check = load("extract")

if __name__ == "__main__":
    run(check)
