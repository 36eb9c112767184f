"""Throughput of riverbed's HttpClient against a bare aiohttp baseline, side by side.

A loopback server (own process) answers every request after 50 ms; 1,000 GETs are made at
64 concurrent. The bound is 64 / 0.05 s = 1,280 req/s. Run: `uv run python
benchmarks/bench_fetch.py [--requests N] [--concurrency C] [--rounds R]`. No network beyond
127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import platform
import socket
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from riverbed.fetch import FetchSettings, HttpClient

LATENCY_S = 0.05
BODY = b'{"title": "riverbed benchmark item", "score": 42}\n' * 40  # ~2 KB


def _serve(sock: socket.socket) -> None:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(LATENCY_S)
        return web.Response(body=BODY, content_type="application/json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    web.run_app(app, sock=sock, print=None, handle_signals=True, access_log=None)


def start_server() -> tuple[mp.process.BaseProcess, int]:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    proc = mp.get_context("fork").Process(target=_serve, args=(sock,), daemon=True)
    proc.start()
    sock.close()
    for _ in range(100):  # wait until it answers
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
        except OSError:
            time.sleep(0.05)
    return proc, port


async def bare_aiohttp(urls: list[str], concurrency: int) -> int:
    ok = 0
    sem = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url: str) -> None:
            nonlocal ok
            async with sem, session.get(url) as resp:
                await resp.read()
                ok += resp.status == 200

        await asyncio.gather(*(one(u) for u in urls))
    return ok


def riverbed_client(settings: FetchSettings) -> Callable[[list[str], int], Awaitable[int]]:
    async def run(urls: list[str], concurrency: int) -> int:
        async with HttpClient(settings) as client:
            responses = await asyncio.gather(*(client.get(u, trusted=True) for u in urls))
        return sum(r.ok for r in responses)

    return run


def measure(
    fn: Callable[[list[str], int], Awaitable[int]], urls: list[str], concurrency: int
) -> float:
    started = time.perf_counter()
    ok = asyncio.run(fn(urls, concurrency))
    elapsed = time.perf_counter() - started
    if ok != len(urls):
        raise SystemExit(f"only {ok}/{len(urls)} requests succeeded")
    return len(urls) / elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    n, c = args.requests, args.concurrency

    proc, port = start_server()
    try:
        one_host = [f"http://127.0.0.1:{port}/item/{i}" for i in range(n)]
        # The same load spread over 16 hostnames (mapped to the server with `resolve`), each
        # at the default per-host concurrency of 4: how a real run over many sites behaves.
        hosts = [f"site{i}.example" for i in range(16)]
        many_hosts = [f"http://{hosts[i % 16]}/item/{i}" for i in range(n)]
        variants: list[tuple[str, Callable[[list[str], int], Awaitable[int]], list[str]]] = [
            ("bare aiohttp (baseline)", bare_aiohttp, one_host),
            (
                f"HttpClient, 1 host, per_host={c}",
                riverbed_client(
                    FetchSettings(per_host_concurrency=c, total_concurrency=c, proxy_from_env=False)
                ),
                one_host,
            ),
            (
                "HttpClient, 16 hosts, per_host=4",
                riverbed_client(
                    FetchSettings(
                        per_host_concurrency=4,
                        total_concurrency=c,
                        resolve={h: f"127.0.0.1:{port}" for h in hosts},
                        proxy_from_env=False,
                    )
                ),
                many_hosts,
            ),
        ]
        measure(bare_aiohttp, one_host[:100], c)  # warm-up
        results: dict[str, list[float]] = {name: [] for name, _, _ in variants}
        for _ in range(args.rounds):  # interleaved, so drift affects every variant alike
            for name, fn, urls in variants:
                results[name].append(measure(fn, urls, c))
    finally:
        proc.terminate()
        proc.join(5)

    bound = c / LATENCY_S
    base = statistics.median(results[variants[0][0]])
    print(
        f"fetch benchmark: {n} GETs, {c} concurrent, {LATENCY_S * 1000:.0f} ms server latency, "
        f"median of {args.rounds} rounds; bound {bound:,.0f} req/s"
    )
    print(f"machine: {platform.platform()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'variant':<36} {'req/s':>8} {'vs baseline':>12} {'vs bound':>9}")
    for name, _, _ in variants:
        rate = statistics.median(results[name])
        print(f"{name:<36} {rate:>8,.0f} {rate / base:>11.2f}x {rate / bound:>8.0%}")


if __name__ == "__main__":
    main()
