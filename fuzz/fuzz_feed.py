"""Fuzz target `feed`: see `checks.check_feed` (atheris, coverage-guided).

.venv/bin/python fuzz/fuzz_feed.py -max_total_time=60 fuzz/corpus/feed
"""

from __future__ import annotations

import atheris

with atheris.instrument_imports(include=["riverbed"]):
    from checks import check_feed, run

if __name__ == "__main__":
    run(check_feed)
