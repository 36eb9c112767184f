"""Resources, chosen from the environment (one switch, no YAML forks).

`RIVERBED_LAKE` (default `./.riverbed/lake`) and `RIVERBED_SOURCES` (default
`./sources.yaml`) locate the lake and the catalogue; the CLI sets both before it loads the
definitions, and `riverbed ui` passes them on to the webserver and daemon.
"""

import os
from pathlib import Path
from typing import Any

import dagster as dg

from riverbed.core.catalogue import Catalogue, load_catalogue_cached
from riverbed.lake import Lake

DEFAULT_LAKE = "./.riverbed/lake"
DEFAULT_SOURCES = "./sources.yaml"


def lake_uri() -> str:
    uri = os.environ.get("RIVERBED_LAKE") or DEFAULT_LAKE
    return uri if "://" in uri else str(Path(uri).expanduser().absolute())


def sources_path() -> str:
    return str(Path(os.environ.get("RIVERBED_SOURCES") or DEFAULT_SOURCES).expanduser().absolute())


class LakeResource(dg.ConfigurableResource):
    """Where every table, raw body, state file and published file lives."""

    uri: str

    @property
    def lake(self) -> Lake:
        return Lake(self.uri)


class CatalogueResource(dg.ConfigurableResource):
    """The source catalogue (`sources.yaml`), re-read whenever the file changes: editing the
    catalogue never needs a code reload."""

    path: str

    def load(self) -> Catalogue:
        return load_catalogue_cached(Path(self.path))

    def sources_by_kind(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for s in self.load().sources:
            out.setdefault(s.kind, []).append(s)
        return out
