"""Extraction fans out to a process pool, except where no child process may be started: a
daemonic process (a Celery prefork worker's pool process) extracts in place."""

from __future__ import annotations

import multiprocessing

from riverbed.pipeline.articles import POOL_MIN_PAGES, _extract_many

PAGE = (
    "<html><head><title>Pool test</title></head><body><article><h1>Pool test</h1>"
    + "".join(
        f"<p>Paragraph {i} says something about extraction pools and workers.</p>"
        for i in range(12)
    )
    + "</article></body></html>"
).encode()


def _jobs() -> list:
    return [
        (PAGE, f"http://blog.example.com/p/{i}", "text/html", None, None)
        for i in range(POOL_MIN_PAGES + 2)
    ]


def _in_daemon(queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        out = _extract_many(_jobs())
        queue.put([(e.outcome, e.word_count) for e in out])
    except Exception as exc:  # reported to the test, not lost in the child
        queue.put(f"{type(exc).__name__}: {exc}")


def test_a_daemonic_process_extracts_in_place_with_the_same_results() -> None:
    expected = [(e.outcome, e.word_count) for e in _extract_many(_jobs())]
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_in_daemon, args=(queue,), daemon=True)
    child.start()
    got = queue.get(timeout=120)
    child.join(timeout=30)
    assert got == expected
    assert all(outcome == "ok" for outcome, _ in expected)
