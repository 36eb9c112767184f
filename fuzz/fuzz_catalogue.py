"""Fuzz target `catalogue`: see `checks.check_catalogue` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_catalogue.py -max_total_time=60 fuzz/corpus/catalogue
"""

from __future__ import annotations

import atheris

with atheris.instrument_imports(include=["riverbed"]):
    from checks import check_catalogue, run

if __name__ == "__main__":
    run(check_catalogue)
