"""Fuzz target `catalogue`: see `checks.check_catalogue` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_catalogue.py -max_total_time=60 fuzz/corpus/catalogue
"""

from __future__ import annotations

import atheris
from checks import load, run

with atheris.instrument_imports(include=["riverbed"]):
    check = load("catalogue")

if __name__ == "__main__":
    run(check)
