"""Fuzz target `opml`: see `checks.check_opml` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_opml.py -max_total_time=60 fuzz/corpus/opml
"""

from __future__ import annotations

import atheris
from checks import load, run

with atheris.instrument_imports(include=["riverbed"]):
    check = load("opml")

if __name__ == "__main__":
    run(check)
