"""Memory a stage frees goes back to the system: riverbed fixes glibc's mmap threshold when
`riverbed.lake.store` is imported (glibc's own threshold follows the largest block freed,
so after one big temporary, blocks of a few MB came from the heap and their holes stayed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent(
    """
    import os, sys
    if sys.argv[1] == "riverbed":
        import riverbed.lake.store
    import numpy as np
    import psutil

    def rss():
        return psutil.Process().memory_info().rss

    big = np.ones(16 * 2**20 // 8)  # one big temporary (under 32 MB), freed
    del big
    base = rss()
    blocks = [np.ones(2 * 2**20 // 8) for _ in range(100)]  # 200 MB in 2 MB blocks
    del blocks[::2]  # every other one freed: holes a heap cannot give back
    print((rss() - base) // 2**20)
    """
)


def grown_mb(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    return int(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_blocks_leave_the_process() -> None:
    kept = grown_mb("riverbed")
    assert kept < 150, kept  # the 100 blocks still held, ~100 MB
    # without it, the same allocations keep the freed holes (this is what the fix is for)
    assert grown_mb("plain") > 180
