"""Fuzz target `canonical`: see `checks.check_canonical` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_canonical.py -max_total_time=60 fuzz/corpus/canonical
"""

from __future__ import annotations

import atheris

with atheris.instrument_imports(include=["riverbed"]):
    from checks import check_canonical, run

if __name__ == "__main__":
    run(check_canonical)
