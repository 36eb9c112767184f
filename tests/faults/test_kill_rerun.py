"""`riverbed run` SIGKILLed (its whole process group) anywhere, then run again: the lake ends
as an uninterrupted run leaves it, on a local lake and on S3.

Checked after every kill and re-run (tests/faults/killkit.py): current-state tables equal to
the uninterrupted run's (every column but run and fetch ids: riverbed's clock is frozen), no
duplicate key, every object in the lake readable whole, the killed Dagster runs FAILURE and no
concurrency-pool slot held. Kills land at exact places (kill points) and at seeded random
delays; scripts/kill_runs.py runs 100 of the latter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from faults import killkit
from seaweed import SeaweedFS, running_seaweedfs
from test_run_platforms import PlatformSites

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SOURCES = ("hn-top", "wp", "status-page")  # a platform kind with its pool, a feed, a failure

# (backend, exact kill point | (seeded write kill family, seed))
KILLS: list[tuple[str, str | tuple[str, int]]] = [
    # after the sources' state was saved (before the fix), before their items partition is
    # written: the re-run must collect them again
    ("local", "riverbed.lake.store:Lake.write_table@tables/hackernews_items/"),
    ("local", ("before-write", 3)),
    ("s3", ("mid-write", 5)),
]


@pytest.fixture(scope="module")
def sites() -> Iterator[PlatformSites]:
    s = PlatformSites()
    s.always[("status.example.net", "/feed.xml")] = (500, {"Content-Type": "text/html"})
    yield s
    s.close()


@pytest.fixture(scope="module")
def reference(sites: PlatformSites, tmp_path_factory: pytest.TempPathFactory) -> killkit.Reference:
    """An uninterrupted run on a local lake (the same inputs and clock give the same rows on
    S3), with how often it passed each write kill point."""
    project = killkit.Project.create(tmp_path_factory.mktemp("reference"), sites, sources=SOURCES)
    ref = killkit.reference_run(project)
    rows = ref.snapshot.rows
    assert rows["items"] and rows["digest"] and rows["articles"] and rows["enrichments"]
    assert not ref.snapshot.duplicates
    assert all(ref.passes.values()), ref.passes
    return ref


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    with running_seaweedfs(tmp_path_factory.mktemp("kills-s3")) as server:
        yield server


@pytest.mark.parametrize(("backend", "kill"), KILLS, ids=[f"{b}-{k}" for b, k in KILLS])
def test_a_killed_run_reruns_to_the_uninterrupted_tables(
    backend: str,
    kill: str | tuple[str, int],
    sites: PlatformSites,
    reference: killkit.Reference,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    lake = None
    if backend == "s3":
        server: SeaweedFS = request.getfixturevalue("s3")
        lake = server.uri(tmp_path.name)
    project = killkit.Project.create(tmp_path, sites, lake, sources=SOURCES)
    if isinstance(kill, tuple):
        outcome = killkit.kill_at_write(project, *kill, reference)
    else:
        outcome = killkit.kill_at_and_rerun(project, kill, reference.snapshot)
    assert outcome.ok, (outcome.kill, outcome.problems)
    assert outcome.killed_runs  # it was killed inside a Dagster run
