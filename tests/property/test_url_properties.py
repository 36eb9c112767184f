"""`canonical_url`: never raises, idempotent, and one result for equivalent spellings."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from property_settings import PROFILE, scaled

from riverbed.core.urls import _DOMAIN_RULES, MAX_URL_CHARS, canonical_url

_label = st.from_regex(r"[a-z0-9][a-z0-9-]{0,9}", fullmatch=True)
_hosts = st.one_of(
    st.lists(_label, min_size=1, max_size=3).map(lambda ls: ".".join([*ls, "example"])),
    st.sampled_from(["bücher.de", "127.0.0.1", "[2001:db8::1]"]),
).filter(lambda h: h not in _DOMAIN_RULES)
# Path and query characters with no special meaning to the canonicaliser's rules (no `%`,
# `/`, `?`, `#`, `&`, `=`), raw or needing encoding.
_SEGMENT_CHARS = "abcXYZ019-._~!$'()*+,;:@ é\u2603\"<>{}|^`"
# A spelling ending in a space loses it (surrounding whitespace is stripped), unless a
# fragment follows: so no segment or value ends with one.
_segment = st.text(alphabet=_SEGMENT_CHARS, min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..") and not s.endswith(" ")
)
_name = st.from_regex(r"[a-z]{1,6}", fullmatch=True).filter(
    lambda n: not n.startswith("utm_") and n not in ("fbclid", "gclid", "yclid", "igsh", "mc_cid")
)
_value = st.text(alphabet="abc019-._~!$'()*+,;:@/? é", max_size=8).filter(
    lambda s: not s.endswith(" ")
)


_Parts = tuple[str, str, str, list[str], list[str]]  # scheme, netloc, port, segments, pairs


@st.composite
def _parts(draw: st.DrawFn) -> _Parts:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(_hosts)
    port = draw(st.sampled_from(["", "8080", "3000"]))
    segments = draw(st.lists(_segment, max_size=4))
    names = draw(st.lists(_name, max_size=4, unique=True))
    pairs = [f"{n}={draw(_value)}" for n in names]
    return scheme, host + (f":{port}" if port else ""), port, segments, pairs


def _spell(scheme: str, netloc: str, segments: list[str], pairs: list[str]) -> str:
    query = "?" + "&".join(pairs) if pairs else ""
    return f"{scheme}://{netloc}/{'/'.join(segments)}{query}"


_UNRESERVED_ALNUM = re.compile(r"[A-Za-z0-9]")


@st.composite
def _equivalent_spellings(draw: st.DrawFn) -> tuple[str, str]:
    """A plain spelling of a URL and another spelling of the same page."""
    scheme, netloc, port, segments, pairs = draw(_parts())
    plain = _spell(scheme, netloc, segments, pairs)
    host = netloc.rsplit(":", 1)[0] if port else netloc
    if draw(st.booleans()) and host.isascii():
        host = host.upper()
        scheme = scheme.upper()
    if draw(st.booleans()) and not host.endswith("]") and not host[-1].isdigit():
        host += "."
    if not port and draw(st.booleans()):
        port = "80" if scheme.lower() == "http" else "443"
    netloc = host + (f":{port}" if port else "")
    if draw(st.booleans()):
        netloc = "user:secret@" + netloc
    segments = list(segments)
    if segments and draw(st.booleans()):  # percent-encode letters and digits
        i = draw(st.integers(0, len(segments) - 1))
        segments[i] = _UNRESERVED_ALNUM.sub(lambda m: f"%{ord(m.group(0)):02x}", segments[i])
    if draw(st.booleans()):  # dot segments
        at = draw(st.integers(0, len(segments)))
        segments[at:at] = draw(st.sampled_from([["."], ["zz", ".."], [".", "q", ".."]]))
    if segments and draw(st.booleans()):
        segments.append("")  # trailing slash
    pairs = draw(st.permutations(pairs))
    if draw(st.booleans()):
        tracking = draw(st.sampled_from(["utm_source=feed", "fbclid=abc", "UTM_Medium=x"]))
        pairs.insert(draw(st.integers(0, len(pairs))), tracking)
    if pairs and draw(st.booleans()):
        pairs.insert(draw(st.integers(0, len(pairs))), "")  # an empty piece: `&&`
    other = _spell(scheme, netloc, segments, pairs)
    if draw(st.booleans()):
        other += "#" + draw(_value)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(other)))
        other = other[:cut] + "\t" + other[cut:]  # browsers drop tabs and newlines anywhere
    if draw(st.booleans()):
        other = f"  {other}\n"
    return plain, other


@PROFILE
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    once = canonical_url(text)
    assert once is None or once.startswith(("http://", "https://"))


@scaled(2)
@given(st.sampled_from(["http://", "https://", "https://github.com/", "http://x.io/a?"]), st.text())
def test_canonical_urls_are_idempotent_and_bounded(prefix: str, rest: str) -> None:
    once = canonical_url(prefix + rest)
    if once is not None:
        assert len(once) <= MAX_URL_CHARS
        assert canonical_url(once) == once


@scaled(0.5)
@given(st.sampled_from(["é", "\u2603", " ", "a", "%zz"]), st.integers(0, MAX_URL_CHARS))
def test_long_paths_are_refused_or_idempotent(char: str, repeat: int) -> None:
    once = canonical_url("http://a.com/" + char * repeat)
    assert once is None or canonical_url(once) == once


@scaled(3)
@given(_equivalent_spellings())
def test_equivalent_spellings_have_one_canonical_url(spellings: tuple[str, str]) -> None:
    plain, other = spellings
    expected = canonical_url(plain)
    assert expected is not None, plain
    assert canonical_url(other) == expected, (plain, other)


def _page(parts: _Parts) -> tuple[str, str, list[str], list[str]]:
    scheme, netloc, _, segments, pairs = parts
    return scheme, netloc, segments, sorted(pairs)


@PROFILE
@given(_parts(), _parts())
def test_different_pages_keep_different_urls(a: _Parts, b: _Parts) -> None:
    canon_a = canonical_url(_spell(a[0], a[1], a[3], a[4]))
    canon_b = canonical_url(_spell(b[0], b[1], b[3], b[4]))
    assert (canon_a == canon_b) == (_page(a) == _page(b))
