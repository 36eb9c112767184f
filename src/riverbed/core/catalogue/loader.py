"""Read `sources.yaml` and report EVERY problem with its file, line and field.

The YAML is read twice with ruamel.yaml: once as a node tree (syntax errors, duplicate keys,
alias bombs — with exact lines), once as round-trip data whose line info maps each pydantic
error location back to the key it is about. `${ENV}` references in headers, the proxy and
notify targets are expanded before validation; messages never contain an expanded value
(they show the `${VAR}` form instead).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from riverbed.core.catalogue.envvars import EnvReferenceError, expand
from riverbed.core.catalogue.models import (
    KINDS,
    SOURCE_MODELS,
    Catalogue,
    FieldValueError,
    HtmlSelectors,
    JsonFields,
    NotifyTarget,
    Rule,
    Settings,
    SourceBase,
    duplicate_id_message,
    duplicate_ids,
)

Loc = tuple[str | int, ...]

# Expanded size of the YAML tree (aliases counted each time they are used) above which a
# catalogue is refused: a real catalogue has a few thousand nodes at most.
MAX_NODES = 200_000
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a catalogue. `line` is 1-based; None when it has no line."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class CatalogueError(Exception):
    """A catalogue that cannot be used; `problems` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_catalogue(path: Path, env: Mapping[str, str] | None = None) -> Catalogue:
    """Read and validate a catalogue file; raises CatalogueError listing every problem."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogueError([Problem(file, None, "", "no such file")]) from None
    except IsADirectoryError:
        raise CatalogueError([Problem(file, None, "", "is a directory, not a file")]) from None
    except PermissionError:
        raise CatalogueError([Problem(file, None, "", "permission denied")]) from None
    except UnicodeDecodeError as exc:
        raise CatalogueError([Problem(file, None, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise CatalogueError([Problem(file, None, "", f"cannot read: {exc.strerror}")]) from None
    return parse_catalogue(text, file=file, env=env)


def load_catalogue_cached(path: Path) -> Catalogue:
    """`load_catalogue`, once per process for a file as it is now: keyed by the file's path,
    modification time and size, and by the environment (`${VAR}` expansion), so an edited
    file or a changed variable is read again. ruamel's pure-Python parser takes ~13 s for a
    5,000-source catalogue, and a `riverbed run` reads it in the CLI and in every step."""
    file = Path(path).absolute()
    try:
        st = file.stat()
    except OSError:
        return load_catalogue(file)  # the problem, worded as always
    env = hash(frozenset(os.environ.items()))
    return _load_cached(str(file), (st.st_mtime_ns, st.st_size, st.st_ino), env)


@lru_cache(maxsize=8)
def _load_cached(path: str, version: tuple[int, int, int], env: int) -> Catalogue:
    return load_catalogue(Path(path))


def parse_catalogue(
    text: str, file: str = "<string>", env: Mapping[str, str] | None = None
) -> Catalogue:
    """Validate catalogue YAML text (`env` defaults to `os.environ`)."""
    return _Parser(text, file, os.environ if env is None else env).parse()


# -- implementation --------------------------------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True  # reported by `_check_nodes`, with every line
    return yaml


def _describe(value: Any) -> str:
    """A value as a YAML reader thinks of it (for 'expected X, got Y')."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return f"a date ({value.isoformat()})"
    return type(value).__name__


def _plain(value: Any) -> Any:
    """ruamel round-trip data -> builtin types (pydantic sees what the YAML means)."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if type(value).__name__ == "ScalarBoolean":  # an int subclass in ruamel
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def _format_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif (
            isinstance(part, str)  # a YAML key may be null, a number … (found by fuzzing)
            and part.replace("_", "a").replace("-", "a").isalnum()
            and not part[:1].isdigit()
        ):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def _strip_union_tag(loc: Loc) -> Loc:
    """Pydantic puts the discriminator value after `sources[i]`; the YAML has no such key."""
    if len(loc) >= 3 and loc[0] == "sources" and isinstance(loc[1], int):
        return loc[:2] + loc[3:]
    return loc


def _model_at(loc: Loc, data: Any) -> type[BaseModel] | None:
    """The model that validates the mapping at `loc` (for 'unknown key' suggestions)."""
    match loc:
        case ():
            return Catalogue
        case ("sources", int()):
            kind = _get(data, (*loc, "kind"))
            return SOURCE_MODELS.get(kind) if isinstance(kind, str) else None
        case ("sources", int(), "keep" | "block", int()) | ("settings", "keep" | "block", int()):
            return Rule
        case ("sources", int(), "selectors"):
            return HtmlSelectors
        case ("sources", int(), "fields"):
            return JsonFields
        case ("settings",):
            return Settings
        case ("settings", "notify", int()):
            return NotifyTarget
    return None


def _get(data: Any, loc: Loc) -> Any:
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_list or (isinstance(node, dict) and part in node)):
            return None
        node = node[part]
    return node


_KIND_OPTIONS = {
    kind: set(model.model_fields) - set(SourceBase.model_fields)
    for kind, model in SOURCE_MODELS.items()
}


class _Parser:
    def __init__(self, text: str, file: str, env: Mapping[str, str]) -> None:
        self.text = text
        self.file = file
        self.env = env
        self.problems: list[Problem] = []
        self.root: Any = None  # ruamel round-trip data (line info)
        self.data: Any = None  # builtin data given to pydantic
        self.expanded: dict[Loc, str] = {}  # path -> the value as written (with ${VAR})
        self.secrets: dict[str, str] = {}  # value substituted from the environment -> ${NAME}

    # -- entry point -------------------------------------------------------------------------------

    def parse(self) -> Catalogue:
        if not self._read_yaml():
            raise CatalogueError(self.problems)
        self._expand_env()
        self._check_sources()
        catalogue: Catalogue | None = None
        try:
            catalogue = Catalogue.model_validate(self.data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                self._add_validation_error(error)
        if self.problems or catalogue is None:
            raise CatalogueError(self._finished_problems())
        return catalogue

    def _add(self, line: int | None, loc: Loc, message: str) -> None:
        self.problems.append(Problem(self.file, line, _format_path(loc), message))

    def _finished_problems(self) -> list[Problem]:
        unique = list(dict.fromkeys(self._scrub(p) for p in self.problems))
        return sorted(unique, key=lambda p: (p.line is None, p.line or 0))

    def _scrub(self, problem: Problem) -> Problem:
        message = problem.message
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) >= 3:
                message = message.replace(secret, self.secrets[secret])
        return Problem(problem.file, problem.line, problem.field, message)

    # -- YAML --------------------------------------------------------------------------------------

    def _read_yaml(self) -> bool:
        yaml = _yaml()
        try:
            node = yaml.compose(self.text)
        except Exception as exc:
            self._yaml_failed(exc)
            return False
        if node is not None and not self._check_nodes(node):
            return False
        try:
            # built from the nodes just checked: parsing the text again cost as much as
            # composing it (half of `riverbed status` on a 1,000-source catalogue)
            self.root = None if node is None else yaml.constructor.construct_document(node)
        except Exception as exc:
            self._yaml_failed(exc)
            return False
        if self.root is None:
            self._add(None, (), "empty catalogue (expected a mapping with a `sources:` list)")
            return False
        if not isinstance(self.root, dict):
            self._add(
                1, (), f"expected a mapping with a `sources:` list, got {_describe(self.root)}"
            )
            return False
        self.data = _plain(self.root)
        return True

    def _yaml_failed(self, exc: Exception) -> None:
        """The problem of a text ruamel.yaml could not read: a syntax error at its line, any
        other YAML error, or the reader's own failure on odd input (an assertion in its
        comment handling, an index error reading `-_` as a number)."""
        if isinstance(exc, MarkedYAMLError):
            self._add_yaml_error(exc)
        elif isinstance(exc, YAMLError):
            self._add(None, (), f"YAML error: {exc}")
        else:
            self._add(
                None,
                (),
                f"YAML error: the YAML reader failed on this text ({type(exc).__name__}: {exc});"
                " check its syntax around comments and odd scalars",
            )

    def _add_yaml_error(self, exc: MarkedYAMLError) -> None:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        self._add(line, (), f"YAML syntax error: {what}")

    def _check_nodes(self, root: Node) -> bool:
        """Duplicate keys (every one, at its line) and the expanded size of the tree."""
        sizes: dict[int, int] = {}

        def size(node: Node) -> int:
            if id(node) in sizes:
                return sizes[id(node)]
            sizes[id(node)] = 1  # breaks recursive aliases
            total = 1
            if isinstance(node, MappingNode):
                total += sum(size(k) + size(v) for k, v in node.value)
            elif isinstance(node, SequenceNode):
                total += sum(size(v) for v in node.value)
            sizes[id(node)] = min(total, MAX_NODES + 1)
            return sizes[id(node)]

        if size(root) > MAX_NODES:
            self._add(None, (), f"too large: more than {MAX_NODES} YAML nodes once aliases expand")
            return False
        seen: set[int] = set()
        stack: list[tuple[Node, Loc]] = [(root, ())]
        usable = True
        while stack:
            node, loc = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, SequenceNode):
                stack.extend((item, (*loc, i)) for i, item in enumerate(node.value))
            if not isinstance(node, MappingNode):
                continue
            first_line: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, MappingNode | SequenceNode):
                    # never a catalogue key, and ruamel cannot build one that nests a
                    # mapping (`? : {}` raised TypeError: unhashable type)
                    what = "mapping" if isinstance(key, MappingNode) else "list"
                    self._add(key.start_mark.line + 1, loc, f"a {what} cannot be a key")
                    usable = False
                    continue
                if key.tag == _MERGE_TAG:
                    continue
                name = str(key.value)
                stack.append((value, (*loc, name)))
                line = key.start_mark.line + 1
                if name in first_line:
                    message = f"duplicate key {name!r} (first at line {first_line[name]})"
                    self._add(line, (*loc, name), message)
                else:
                    first_line[name] = line
        return usable

    # -- line lookup -------------------------------------------------------------------------------

    def _locate(self, loc: Loc) -> tuple[int | None, bool]:
        """1-based line of the key (or list item) `loc` points at, and whether it exists.

        When `loc` goes past what the YAML has (a missing field), the line of the deepest
        mapping or list that exists is returned.
        """
        node = self.root
        line: int | None = _own_line(node)
        for part in loc:
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                line = _item_line(node, part, line)
                node = node[part]
            elif isinstance(node, dict) and part in node:
                line = _key_line(node, part, line)
                node = node[part]
            else:
                return line, False
        return line, True

    # -- ${ENV} ------------------------------------------------------------------------------------

    def _expand_env(self) -> None:
        sources = self.data.get("sources")
        if isinstance(sources, list):
            for i in range(len(sources)):
                self._expand_mapping(("sources", i, "headers"))
        settings = self.data.get("settings")
        if isinstance(settings, dict):
            self._expand_at(("settings", "proxy"), missing_is_empty=True)
            notify = settings.get("notify")
            if isinstance(notify, list):
                for i in range(len(notify)):
                    self._expand_at(("settings", "notify", i, "url"))
                    self._expand_mapping(("settings", "notify", i, "headers"))
            llm = ("settings", "enrich", "summaries", "llm")
            for key in ("base_url", "api_key", "model"):
                # unset: the summariser stays unconfigured and is skipped with a reason
                self._expand_at((*llm, key), missing_is_empty=True)

    def _expand_mapping(self, loc: Loc) -> None:
        mapping = _get(self.data, loc)
        if isinstance(mapping, dict):
            for key in list(mapping):
                self._expand_at((*loc, key))

    def _expand_at(self, loc: Loc, *, missing_is_empty: bool = False) -> None:
        parent = _get(self.data, loc[:-1])
        key = loc[-1]
        if not isinstance(parent, dict) or not isinstance(parent.get(key), str):
            return
        raw: str = parent[key]
        try:
            result = expand(raw, self.env, missing_is_empty=missing_is_empty)
        except EnvReferenceError as exc:
            self._add(self._locate(loc)[0], loc, str(exc))
            return
        for name in dict.fromkeys(result.missing):
            self._add(self._locate(loc)[0], loc, f"environment variable {name} is not set")
        for name, value in result.substituted:
            self.secrets[value] = "${" + name + "}"
        if result.value != raw:
            self.expanded[loc] = raw
            parent[key] = result.value

    # -- cross-field checks, made even when other fields are invalid -------------------------------

    def _check_sources(self) -> None:
        sources = self.data.get("sources")
        if not isinstance(sources, list):
            return
        for index, source in enumerate(sources):
            kind = source.get("kind") if isinstance(source, dict) else None
            model = SOURCE_MODELS.get(kind) if isinstance(kind, str) else None
            if model is not None:
                for problem in model.conflicts(source):
                    loc: Loc = ("sources", index, *problem.path)
                    self._add(self._locate(loc)[0], loc, problem.message)
        ids = [s.get("id") if isinstance(s, dict) else None for s in sources]
        for index, first, source_id in duplicate_ids(ids):
            id_loc: Loc = ("sources", index, "id")
            self._add(self._locate(id_loc)[0], id_loc, duplicate_id_message(source_id, first))

    # -- pydantic errors ---------------------------------------------------------------------------

    def _add_validation_error(self, error: Any) -> None:
        loc: Loc = _strip_union_tag(tuple(error["loc"]))
        kind: str = error["type"]
        ctx: dict[str, Any] = error.get("ctx") or {}
        value = error.get("input")
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            message = self._message(kind, ctx, value, error["msg"], loc)
            self._add(self._locate(loc)[0], loc, f"invalid key: {message}")
            return
        cause = ctx.get("error")
        if isinstance(cause, FieldValueError):
            loc = loc + cause.path
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "kind")
        line, _exists = self._locate(loc)
        message = self._message(kind, ctx, value, error["msg"], loc)
        raw = self.expanded.get(loc)
        if raw is not None and isinstance(value, str) and value:
            message = message.replace(value, raw)
        self._add(line, loc, message)

    def _message(self, kind: str, ctx: dict[str, Any], value: Any, msg: str, loc: Loc) -> str:
        got = _describe(value)
        if kind == "value_error":
            cause = ctx.get("error")
            return cause.message if isinstance(cause, FieldValueError) else str(cause)
        if kind == "missing":
            source_kind = _get(self.data, (*loc[:2], "kind")) if loc[:1] == ("sources",) else None
            if loc[-1] == "url" and len(loc) == 3 and isinstance(source_kind, str):
                return (
                    f"required for kind {source_kind!r} (only platform kinds have a default "
                    "base URL)"
                )
            return "required field missing"
        if kind == "extra_forbidden":
            return self._unknown_key_message(loc)
        if kind == "union_tag_invalid":
            return f"unknown kind {ctx.get('tag')!r} (expected one of: {', '.join(KINDS)})"
        if kind == "union_tag_not_found":
            return f"required field missing (one of: {', '.join(KINDS)})"
        if kind == "literal_error":
            return f"invalid value {got} (expected {ctx.get('expected')})"
        if kind in ("dict_type", "model_type", "model_attributes_type"):
            return f"expected a mapping, got {got}"
        if kind == "list_type":
            return f"expected a list, got {got}"
        if kind == "string_type":
            return f"expected a string, got {got}"
        if kind in ("int_type", "int_parsing", "int_from_float"):
            return f"expected an integer, got {got}"
        if kind in ("float_type", "float_parsing", "finite_number"):
            return f"expected a number, got {got}"
        if kind in ("bool_type", "bool_parsing"):
            return f"expected true or false, got {got}"
        return f"{msg.replace('Input should be', 'must be')} (got {got})"

    def _unknown_key_message(self, loc: Loc) -> str:
        key = str(loc[-1])
        parent = loc[:-1]
        model = _model_at(parent, self.data)
        allowed = sorted(model.model_fields) if model is not None else []
        if len(parent) == 2 and parent[0] == "sources":
            kind = _get(self.data, (*parent, "kind"))
            owners = [k for k, options in _KIND_OPTIONS.items() if key in options]
            if owners and isinstance(kind, str):
                options = sorted(_KIND_OPTIONS.get(kind, ()))
                fits = (
                    f"options of {kind}: {', '.join(options)}"
                    if options
                    else f"{kind} has no options"
                )
                return (
                    f"option {key!r} does not fit kind {kind!r} ({fits}; {key!r} belongs to "
                    f"{', '.join(owners)})"
                )
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            return f"unknown key {key!r} (did you mean {close[0]!r}?)"
        if allowed:
            return f"unknown key {key!r} (expected one of: {', '.join(allowed)})"
        return f"unknown key {key!r}"


def _own_line(node: Any) -> int | None:
    lc = getattr(node, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else None


def _item_line(node: Any, index: int, default: int | None) -> int | None:
    try:
        return int(node.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return default


def _key_line(node: Any, key: Any, default: int | None) -> int | None:
    try:
        return int(node.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return default
