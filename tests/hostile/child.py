"""`riverbed …` in a child process, under the suite's loopback-only network guard.

Usage: `python child.py VIOLATIONS.json riverbed-arguments…`. Runs the CLI in this process
with `netguard.loopback_only()` active and every refused DNS lookup or connect recorded
(the guard raises inside the fetch layer, which would report it as a mere `connect_error`;
the record is how the parent knows it happened). Writes the list of refused attempts to
VIOLATIONS.json and exits with the CLI's exit code. The parent measures this process's peak
RSS with `os.wait4`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: netguard

import pytest

from netguard import OutsideNetworkError, loopback_only


@contextlib.contextmanager
def recording(violations: list[str]) -> Iterator[None]:
    """Inside `loopback_only()`: remember every attempt the guard refuses (it still raises)."""
    guarded_getaddrinfo = socket.getaddrinfo
    guarded_connect = socket.socket.connect
    guarded_connect_ex = socket.socket.connect_ex

    def getaddrinfo(*args: Any, **kwargs: Any) -> Any:
        try:
            return guarded_getaddrinfo(*args, **kwargs)
        except OutsideNetworkError as exc:
            violations.append(str(exc))
            raise

    def connect(self: socket.socket, address: Any) -> None:
        try:
            return guarded_connect(self, address)
        except OutsideNetworkError as exc:
            violations.append(str(exc))
            raise

    def connect_ex(self: socket.socket, address: Any) -> int:
        try:
            return guarded_connect_ex(self, address)
        except OutsideNetworkError as exc:
            violations.append(str(exc))
            raise

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "getaddrinfo", getaddrinfo)
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        yield


def main() -> int:
    report, args = Path(sys.argv[1]), sys.argv[2:]
    violations: list[str] = []
    warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview)")
    code = 0
    with loopback_only(), recording(violations):
        from riverbed.cli import app

        try:
            app(args, prog_name="riverbed")
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    report.write_text(json.dumps(violations))
    return code


if __name__ == "__main__":
    from riverbed.cli import leave

    leave(main())  # as `riverbed` itself ends: no interpreter teardown
