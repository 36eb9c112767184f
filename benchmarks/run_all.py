"""Run every benchmark in turn (`make bench`); results go in docs/performance.md by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

SCRIPTS = (
    "bench_parse.py",
    "bench_fetch.py",
    "bench_collect.py",
    "bench_extract.py",
    "bench_demo.py",
    "bench_status.py",  # builds a lake of 60 days of hourly runs (~45 s), then ~1 min
    "bench_neardup.py",  # generates 1M labelled documents once (~7 min), then ~2 min per size
    "bench_topics.py",  # topics of 100k synthetic stories, 4 times (one and two processes)
    "bench_executors.py",  # starts SeaweedFS, Redis, Postgres and 2 Celery workers (~9 min)
    "bench_ui.py",  # a demo, a 100k-item lake, `riverbed ui` twice in headless Chromium (~6 min)
)

for script in SCRIPTS:
    print(f"== {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
