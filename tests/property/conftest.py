"""tests/property: hypothesis properties of the pure core, and the fuzz targets' smoke run.

The fuzz targets' properties live in `fuzz/checks.py` (one definition, two drivers): this
folder puts `fuzz/` on the import path so the hypothesis tests can reuse them.
"""

from __future__ import annotations

import sys
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parents[2] / "fuzz"
if str(FUZZ_DIR) not in sys.path:
    sys.path.insert(0, str(FUZZ_DIR))
