"""Loaded at start-up by every Python process the test suite spawns (tests/conftest.py puts
this folder on PYTHONPATH): the same loopback-only guard as in-process, so a child process
(`riverbed run` in a subprocess, forkserver workers) cannot look up or reach an outside name
either."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netguard import install

install()
