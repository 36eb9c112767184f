"""Run every benchmark in turn (`make bench`); results go in docs/performance.md by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

for script in ("bench_parse.py", "bench_fetch.py", "bench_collect.py", "bench_demo.py"):
    print(f"== {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
