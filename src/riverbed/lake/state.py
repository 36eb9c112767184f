"""Per-source fetch state in the lake: `state/sources/<id>.json` (last attempt, last success,
last status, validators). Its own small module so that readers such as `riverbed status`
need not import the collect pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from upath import UPath

from riverbed.lake.store import Lake


class SourceState:
    """Per-source state in the lake: `state/sources/<id>.json`."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake

    def _path(self, source_id: str) -> UPath:
        return self.lake.path("state", "sources", f"{source_id}.json")

    def load(self, source_id: str) -> dict[str, Any]:
        return self.lake.read_json(self._path(source_id)) or {}

    def save(self, source_id: str, value: Mapping[str, Any]) -> None:
        self.lake.write_json(self._path(source_id), value)
