"""The one way untrusted XML is parsed: no entity expansion, no DTD loading, no network."""

from __future__ import annotations

from lxml import etree


def safe_parser(encoding: str | None = None) -> etree.XMLParser:
    """An lxml parser for untrusted documents (feeds, OPML).

    Callers still refuse internal DTD subsets and ENTITY declarations before parsing (see
    HAZARDS: libxml2's recovery paths can expand what this parser would not).
    `collect_ids` keeps its default on purpose: measured with lxml 6.1 / libxml2 2.14,
    `collect_ids=False` makes libxml2 read a `SYSTEM` DTD (a local file, or an attempted
    network fetch) despite `load_dtd=False`.
    """
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
