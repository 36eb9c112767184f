"""The loopback world of the canary test: feed servers that demand the canary credentials, a
forward proxy that demands its own, and a catalogue using every secret slot.

Sources (hosts mapped to `FeedSites` with `resolve`, except the proxied ones):
- `private`: `Authorization: Bearer ${FEED_TOKEN}` and a literal `X-Api-Key` -> 200 (else 401)
- `keyed`: `?api_key=<canary>` in its URL -> 200 (else 401)
- `denied`: sends the bearer token, always answered 401
- `down`: `?access_token=<canary>`, always answered 500 (Retry-After: 0: retried, quickly)
- `proxied`: an http host left out of `resolve`, so fetched through `settings.proxy`
  (`${PROXY_URL}` = http://user:password@127.0.0.1:port); the proxy checks its credentials
  and serves the feed itself (no DNS, no outside connection)
- `refused`: an https host through the same proxy, whose CONNECT the proxy refuses (403)
Response bodies never contain a canary: bodies are content, not secrets.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from secret_canaries import Canaries

from loopback import LoopbackHTTP, Reply, serve, stop

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"
RSS = (FEEDS / "rss20_wordpress.xml", "application/rss+xml")
ATOM = (FEEDS / "atom10_github_releases.xml", "application/atom+xml")
JSON_FEED = (FEEDS / "jsonfeed11.json", "application/feed+json")
RESOLVED = ("private.example.org", "keyed.example.org", "denied.example.org", "down.example.org")
PROXIED_HOST = "news.example.net"  # left out of `resolve`: reached through the proxy
REFUSED_HOST = "refused.example.net"  # https through the proxy: CONNECT refused


def _feed(which: tuple[Path, str]) -> Reply:
    return Reply(200, which[0].read_bytes(), {"Content-Type": which[1]})


class FeedSites(LoopbackHTTP):
    """The origin servers of the resolved sources. `seen` lists (host, what was presented)
    for the credentials each request carried, so the test can show the canaries were sent."""

    def __init__(self, canaries: Canaries) -> None:
        self.canaries = canaries
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        super().__init__(self._respond)

    def _respond(self, host: str, path_qs: str, headers: Mapping[str, str]) -> Reply:
        c = self.canaries
        query = parse_qs(urlsplit(path_qs).query)
        bearer = headers.get("Authorization") == f"Bearer {c.feed_token}"
        with self._lock:
            if bearer:
                self.seen.append((host, "bearer"))
            if headers.get("X-Api-Key") == c.feed_api_key:
                self.seen.append((host, "api_key_header"))
            if c.query_token in (query.get("api_key") or query.get("access_token") or []):
                self.seen.append((host, "query_token"))
        unauthorized = Reply(401, b'{"error": "invalid token"}', {"WWW-Authenticate": "Bearer"})
        if host == "private.example.org":
            ok = bearer and headers.get("X-Api-Key") == c.feed_api_key
            return _feed(RSS) if ok else unauthorized
        if host == "keyed.example.org":
            return _feed(ATOM) if query.get("api_key") == [c.query_token] else unauthorized
        if host == "denied.example.org":
            return unauthorized
        if host == "down.example.org":
            return Reply(500, b"upstream down", {"Retry-After": "0"})
        return Reply(404, b"not found")


class AuthProxy:
    """A forward proxy on 127.0.0.1 that wants `Proxy-Authorization: Basic <user:password>`
    (407 otherwise). It answers plain-http requests for `PROXIED_HOST` itself (a feed) and
    refuses every CONNECT tunnel with 403. `seen` lists (method, target, authorised)."""

    def __init__(self, canaries: Canaries) -> None:
        pair = f"{canaries.proxy_user}:{canaries.proxy_password}".encode()
        expected = f"Basic {base64.b64encode(pair).decode()}"
        self.seen: list[tuple[str, str, bool]] = []
        lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _authorised(self) -> bool:
                ok = self.headers.get("Proxy-Authorization") == expected
                with lock:
                    proxy.seen.append((self.command, self.path, ok))
                if not ok:
                    self._answer(407, b"proxy authentication required", close=True)
                return ok

            def _answer(
                self, status: int, body: bytes, close: bool = False, **headers: str
            ) -> None:
                self.send_response(status)
                if status == 407:
                    self.send_header("Proxy-Authenticate", 'Basic realm="loopback"')
                for k, v in headers.items():
                    self.send_header(k.replace("_", "-"), v)
                self.send_header("Content-Length", str(len(body)))
                if close:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                if urlsplit(self.path).hostname != PROXIED_HOST:
                    self._answer(403, b"destination not allowed by the proxy")
                    return
                file, ctype = JSON_FEED
                self._answer(200, file.read_bytes(), Content_Type=ctype)

            def do_CONNECT(self) -> None:
                if self._authorised():
                    self._answer(403, b"tunnels are not allowed by the proxy", close=True)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = serve(Handler)
        self.port = self.httpd.server_address[1]

    def url(self, canaries: Canaries) -> str:
        userinfo = canaries.userinfo(canaries.proxy_user, canaries.proxy_password)
        return f"http://{userinfo}@127.0.0.1:{self.port}"

    def close(self) -> None:
        stop(self.httpd)


def catalogue_yaml(
    canaries: Canaries, feeds_port: int, failing_hook_port: int, llm_port: int
) -> str:
    """Every secret slot of a catalogue: source headers (from `${FEED_TOKEN}` and literal),
    tokens in source URL queries, `settings.proxy` from `${PROXY_URL}`, a notify target from
    `${HOOK_URL}` with a `${HOOK_TOKEN}` header, one written out with user:password@, and an
    LLM endpoint for summaries whose key is `${LLM_API_KEY}`."""
    c = canaries
    resolve = ", ".join(f"{host}: '127.0.0.1:{feeds_port}'" for host in RESOLVED)
    bearer = "{Authorization: 'Bearer ${FEED_TOKEN}'}"
    hook = f"{c.userinfo(c.hook_user, c.hook_password)}@127.0.0.1:{failing_hook_port}"
    return f"""\
sources:
  - id: private
    kind: rss
    url: http://private.example.org/feed.xml
    headers: {{Authorization: 'Bearer ${{FEED_TOKEN}}', X-Api-Key: '{c.feed_api_key}'}}
  - {{id: keyed, kind: rss, url: 'http://keyed.example.org/feed.atom?api_key={c.query_token}'}}
  - {{id: denied, kind: rss, url: 'http://denied.example.org/feed.xml', headers: {bearer}}}
  - {{id: down, kind: rss, url: 'http://down.example.org/feed.xml?access_token={c.query_token}'}}
  - {{id: proxied, kind: rss, url: 'http://{PROXIED_HOST}/feed.json', headers: {bearer}}}
  - {{id: refused, kind: rss, url: 'https://{REFUSED_HOST}/feed.xml', headers: {bearer}}}
settings:
  fetch_articles: false
  timeout_s: 15
  proxy: '${{PROXY_URL}}'
  resolve: {{{resolve}}}
  notify:
    - url: '${{HOOK_URL}}'
      format: json
      headers: {{Authorization: 'Bearer ${{HOOK_TOKEN}}'}}
    - url: 'http://{hook}/services/T0RIVERBED/B0RIVERBED/{c.hook_path_token}'
      format: slack
  enrich:
    summaries:
      method: llm
      llm: {{base_url: 'http://127.0.0.1:{llm_port}/v1', api_key: '${{LLM_API_KEY}}'}}
"""
