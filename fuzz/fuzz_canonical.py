"""Fuzz target `canonical`: see `checks.check_canonical` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_canonical.py -max_total_time=60 fuzz/corpus/canonical
"""

from __future__ import annotations

import atheris
from checks import load, run

with atheris.instrument_imports(include=["riverbed"]):
    check = load("canonical")

if __name__ == "__main__":
    run(check)
