"""Fuzz target `platforms`: see `checks.check_platforms` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_platforms.py -max_total_time=60 fuzz/corpus/platforms
"""

from __future__ import annotations

import atheris

with atheris.instrument_imports(include=["riverbed"]):
    from checks import check_platforms, run

if __name__ == "__main__":
    run(check_platforms)
