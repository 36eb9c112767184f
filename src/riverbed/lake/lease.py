"""Leases in the lake: mutual exclusion for read-merge-write, between processes and hosts.

Two `riverbed run` processes, or a run the daemon launched and one started by hand, are not
serialised by Dagster (in-process runs bypass its run queue). Where a step reads what the
lake holds, merges, and writes the result back, two steps at once would each write their
own merge and one would lose the other's rows. Such a step holds a lease first.

A lease is one small JSON object, `leases/<name>.lease` under the lake root, naming its
holder (host, pid, run id, a random token) and when it expires:
- local lake: a file; an existing file means held. Creating it (only if absent), replacing
  and deleting it (only if it is still the content last seen) each hold an exclusive `flock`
  on `leases/.<name>.lease.lock`, so every check and its write are one step for all the
  processes of the host (compare-and-swap). A file that cannot be parsed counts as held.
- S3: a conditional PUT (`If-None-Match: *`: 412 when the object exists); renewing,
  taking over and releasing are conditional on the ETag the holder last saw (`If-Match`),
  so none of them can clobber a lease someone else wrote in between (compare-and-swap; AWS
  S3, MinIO and SeaweedFS 4.48 all honour both headers on PUT and `If-Match` on DELETE).

A lease is stale, and taken over, when it has expired, when its holder's process is gone
(same host, pid no longer alive: a SIGKILLed run never blocks the next one), or when it names
this very process with a token that is not among the leases the process holds (left behind:
a step retried after an error, an earlier step of a long-lived worker process). While a
lease is held a background thread renews it every `ttl / 4`, so a long step keeps it and a
dead host's lease lapses after at most `ttl` (`RIVERBED_LEASE_TTL_S`, default 60 s).

A shared lease (`share_run=True`, the daily lease) is held by a run, not a process: its
object lists its members, one per process of the run holding it (each with its host, pid,
token and expiry). A step of the run in another process (a multiprocess child, a Celery
worker's pool process, a Kubernetes pod) joins it by adding itself, renews only its own
expiry, and leaves by removing itself; the last member out deletes the object, every change
a compare-and-swap on the version read (a member that loses a race reads again and retries).
Another run waits while any member is live and takes the lease over once every member is
stale (each judged as above), so a step's lease ends with that step, whichever process
runs it, and a worker process that lives on after its step holds nothing.
Acquiring waits with a growing poll interval for at most `RIVERBED_LEASE_WAIT_S` (default
600 s), then raises `LeaseBusy`, a `LakeError` naming the holder.

Granularity (names; see `source_lease` and `daily_lease`): a lease per thing that is
read-merged-written, never one for a whole run, so runs only wait where they really overlap:
- `sources/<source_id>`: collecting a source — its `<kind>_items` day partition and its
  `state/sources/<id>.json` (validators, last attempt/success). Two runs collecting
  different sources, or different kinds, never wait for each other; the same source is
  collected by one run at a time, and the second merges into the first's result.
- `daily/<date>` (shared by the steps of one run: `share_run`): the daily stage of a date
  (refine, enrich, publish: `items`, `item_metrics`, `stories`, ..., `digest`, the
  published files and caches). Those tables are
  derived from the day's collect partitions and journals: a step holding the lease from
  before it reads its inputs until its output is written makes the last writer of each table
  the one that saw the most data, so two daily runs of a date converge; different dates run
  side by side.
- `notify`: the alert state at the end of a run (`state/notify/`).
- `compact/<table>/<date>` (`compact_lease`): compacting one collect table's day
  (`riverbed.lake.compact`), taken without waiting (busy: the day is skipped). Only
  compactions take it: against writers of that day (a re-collect or replay, whatever leases
  collect holds) compaction needs none, as it deletes a part only if it is still the object
  it copied (`compact.delete_unchanged`, a conditional delete), so a newer part always stays.
A batch of leases is first tried all at once without waiting (a collect step of 200 sources
pays about one round trip, not 200); when one is busy, the batch is given back and taken one
lease at a time in sorted order, waiting, so two holders of overlapping sets cannot deadlock.

Taking over deletes exactly the lease judged stale (S3: `If-Match` its ETag; local: under
the lock, only if its content is the one judged), then competes in the exclusive create like
any other waiter, so two waiters never both win. A lease held past its expiry
without renewal (a process stopped for longer than `ttl`) can in principle be taken over
while its holder still runs: renewal then fails and the holder logs `lease lost`. Keep
`ttl` well above any pause a process may see.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from riverbed import settings
from riverbed.core.slots import is_bucket
from riverbed.lake.store import Lake, LakeError, storage_errors, sweep_temporaries

log = logging.getLogger(__name__)

TTL_ENV = "RIVERBED_LEASE_TTL_S"
WAIT_ENV = "RIVERBED_LEASE_WAIT_S"
# polling a held lease: from 50 ms, doubling, to 1 s, jittered (two waiters do not poll in step)
POLL_MIN_S = 0.05
POLL_MAX_S = 1.0
# lease requests in flight at once when a step takes, renews or gives back a whole batch
PARALLEL = 16
# a shared lease's members rewrite one object: a renewal or release that lost the race to
# another member reads it again and retries, after a short random pause, this many times
CAS_TRIES = 20
CAS_BACKOFF_S = 0.05


def default_ttl_s() -> float:
    return settings.number(TTL_ENV)


def default_wait_s() -> float:
    return settings.number(WAIT_ENV)


class LeaseBusy(LakeError):
    """A lease could not be acquired in time: the message names its holder."""


@dataclass(frozen=True, slots=True)
class Member:
    """One process holding its part of a run's shared lease (see `acquire`'s `share_run`)."""

    host: str
    pid: int
    token: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a lease (the lease object's content). A shared lease (`share_run`) also lists
    its members, one per process of the run holding it; `host`, `pid` and `token` then name
    its first member and `expires_at` is the latest member's."""

    host: str
    pid: int
    run_id: str
    token: str
    acquired_at: float  # epoch seconds
    expires_at: float
    members: tuple[Member, ...] = ()

    def to_bytes(self) -> bytes:
        raw = asdict(self)
        if not self.members:  # an exclusive lease: the object as it always was
            del raw["members"]
        return json.dumps(raw, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Holder | None:
        """None when `data` is not (yet) a complete lease."""
        try:
            raw = json.loads(data)
            members = tuple(
                Member(
                    host=str(m["host"]),
                    pid=int(m["pid"]),
                    token=str(m["token"]),
                    expires_at=float(m["expires_at"]),
                )
                for m in raw.get("members") or ()
            )
            return cls(
                host=str(raw["host"]),
                pid=int(raw["pid"]),
                run_id=str(raw["run_id"]),
                token=str(raw["token"]),
                acquired_at=float(raw["acquired_at"]),
                expires_at=float(raw["expires_at"]),
                members=members,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def with_members(self, members: Iterable[Member]) -> Holder:
        """This shared lease held by `members` (not empty) instead."""
        kept = tuple(members)
        first = kept[0]
        return Holder(
            host=first.host,
            pid=first.pid,
            run_id=self.run_id,
            token=first.token,
            acquired_at=self.acquired_at,
            expires_at=max(m.expires_at for m in kept),
            members=kept,
        )

    def describe(self, now: float) -> str:
        left = self.expires_at - now
        expiry = f"expires in {left:.0f}s" if left >= 0 else f"expired {-left:.0f}s ago"
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.acquired_at))
        more = f" and {len(self.members) - 1} more process(es)" if len(self.members) > 1 else ""
        return f"run {self.run_id} (pid {self.pid} on {self.host}{more}) since {since}, {expiry}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


# the tokens of the leases this process holds right now (taken, not yet released or lost): a
# lease naming this process with a token not in here was left behind by it (or by an earlier
# process with the same pid) and is stale, while one in here is live, whichever run or thread
# holds it (two steps of one run may run in threads of one worker process)
_LIVE: set[str] = set()
_LIVE_LOCK = threading.Lock()


def _live(token: str, live: bool) -> None:
    with _LIVE_LOCK:
        if live:
            _LIVE.add(token)
        else:
            _LIVE.discard(token)


def _held_here(token: str) -> bool:
    with _LIVE_LOCK:
        return token in _LIVE


def stale_reason(holder: Holder | Member, now: float) -> str | None:
    """Why the lease (or the shared lease's member) `holder` may be taken over (None: it may
    not). A shared lease is stale only when every member is."""
    if isinstance(holder, Holder) and holder.members:
        reasons = [stale_reason(m, now) for m in holder.members]
        if any(r is None for r in reasons):
            return None
        return "; ".join(f"pid {m.pid} on {m.host}: {r}" for m, r in zip(holder.members, reasons))
    if holder.expires_at <= now:
        return "expired"
    if holder.host == socket.gethostname():
        if not pid_alive(holder.pid):
            return f"its process {holder.pid} is gone"
        if holder.pid == os.getpid() and not _held_here(holder.token):
            return "left behind in this process"
    return None


# -- backends ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Seen:
    """A lease object as read: its holder (None: not parsable yet), its version, its age."""

    holder: Holder | None
    version: str  # S3: the ETag; local: the raw content
    age_s: float


class _Backend:
    def create(self, key: str, data: bytes) -> str | None:
        """Create the lease object if absent: its version, or None when it exists."""
        raise NotImplementedError

    def read(self, key: str) -> _Seen | None:
        raise NotImplementedError

    def replace(self, key: str, seen: _Seen, data: bytes) -> str | None:
        """Overwrite the object only if it is still `seen`: the new version, or None."""
        raise NotImplementedError

    def delete(self, key: str, seen: _Seen) -> bool:
        """Delete the object only if it is still `seen`."""
        raise NotImplementedError


class _LocalBackend(_Backend):
    """A lease file per name. Every change (create, compare-and-replace, compare-and-delete)
    holds an exclusive `flock` on the name's lock file beside it, so a compare and its write
    are one step for every process of the host (the members of a shared lease rewrite one
    file); the kernel drops the lock of a process that dies. Readers take no lock: a lease
    file is written aside and linked or renamed into place whole."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # kept once made: removing a lock file others may be waiting on would split the lock
        fd = os.open(path.with_name(f".{path.name}.lock"), os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield path
        finally:
            os.close(fd)

    def _write_aside(self, path: Path, data: bytes) -> Path:
        # no fsync: a lease outlives its process, not the machine (a file emptied by a crash
        # reads as unreadable and lapses after the ttl)
        sweep_temporaries(path.parent)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        return tmp

    def create(self, key: str, data: bytes) -> str | None:
        with self._locked(key) as path:
            if path.exists():
                return None
            tmp = self._write_aside(path, data)
            try:
                os.link(tmp, path)  # fails if it exists (a writer that takes no lock)
            except FileExistsError:
                return None
            finally:
                tmp.unlink(missing_ok=True)
        return data.decode()

    def read(self, key: str) -> _Seen | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return None
        return _Seen(Holder.from_bytes(data), data.decode(errors="replace"), age)

    def replace(self, key: str, seen: _Seen, data: bytes) -> str | None:
        with self._locked(key) as path:
            current = self.read(key)
            if current is None or current.version != seen.version:
                return None
            self._write_aside(path, data).replace(path)  # a reader sees old or new, whole
        return data.decode()

    def delete(self, key: str, seen: _Seen) -> bool:
        with self._locked(key) as path:
            current = self.read(key)
            if current is None or current.version != seen.version:
                return False
            path.unlink()
        return True


def precondition_failed(exc: BaseException) -> bool:
    """True for an S3 412 (or AWS's 409 for two conditional writes racing)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        response = getattr(seen, "response", None)
        if isinstance(response, dict):
            code = str((response.get("Error") or {}).get("Code", ""))
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (
                409,
                412,
            ):
                return True
        seen = seen.__cause__ or seen.__context__
    return False


class _S3Backend(_Backend):
    """The lake's own s3fs filesystem (same endpoint, credentials and retries), through its
    botocore client: s3fs has no conditional PUT of its own."""

    def __init__(self, lake: Lake) -> None:
        self.fs = lake.root.fs
        self.bucket, _, self.prefix = lake.root.path.partition("/")

    def _call(self, method: str, **kwargs: Any) -> Any:
        from fsspec.asyn import sync

        return sync(self.fs.loop, self.fs._call_s3, method, Bucket=self.bucket, **kwargs)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def create(self, key: str, data: bytes) -> str | None:
        try:
            out = self._call("put_object", Key=self._key(key), Body=data, IfNoneMatch="*")
        except storage_errors() as exc:
            if precondition_failed(exc):
                return None
            raise
        return str(out["ETag"])

    def read(self, key: str) -> _Seen | None:
        from fsspec.asyn import sync

        try:
            out = self._call("get_object", Key=self._key(key))
        except FileNotFoundError:
            return None
        data = sync(self.fs.loop, out["Body"].read)
        modified = out.get("LastModified")
        age = time.time() - modified.timestamp() if modified is not None else 0.0
        return _Seen(Holder.from_bytes(data), str(out["ETag"]), age)

    def replace(self, key: str, seen: _Seen, data: bytes) -> str | None:
        try:
            out = self._call("put_object", Key=self._key(key), Body=data, IfMatch=seen.version)
        except FileNotFoundError:
            return None
        except storage_errors() as exc:
            if precondition_failed(exc):
                return None
            raise
        return str(out["ETag"])

    def delete(self, key: str, seen: _Seen) -> bool:
        try:
            self._call("delete_object", Key=self._key(key), IfMatch=seen.version)
        except FileNotFoundError:
            return False
        except storage_errors() as exc:
            if precondition_failed(exc):
                return False
            raise
        return True


def _backend(lake: Lake) -> _Backend:
    if lake.local:
        return _LocalBackend(Path(lake.root.path))
    return _S3Backend(lake)


# -- leases --------------------------------------------------------------------------------


class Lease:
    """A lease this process holds. `renew()` pushes its expiry out; `release()` gives it up
    (both are no-ops once it was lost to a takeover or released). A shared lease (`share_run`)
    is this process's membership of its run's lease: renewing pushes out its own expiry,
    releasing removes it, and the last member out deletes the lease."""

    def __init__(
        self,
        lake: Lake,
        backend: _Backend,
        name: str,
        holder: Holder,
        version: str,
        ttl_s: float,
        *,
        token: str | None = None,
    ) -> None:
        self.lake, self.name, self.holder, self.ttl_s = lake, name, holder, ttl_s
        self.token = token or holder.token  # this process's part (a shared lease's member)
        self.shared = bool(holder.members)
        self._backend = backend
        self._seen = _Seen(holder, version, 0.0)
        self._lock = threading.Lock()
        self.held = True
        self.lost = False

    @property
    def key(self) -> str:
        return _key(self.name)

    def _mine(self, holder: Holder | None) -> bool:
        """Whether the lease object `holder` still counts this process's part."""
        if holder is None or holder.run_id != self.holder.run_id:
            return False
        if self.shared:
            return any(m.token == self.token for m in holder.members)
        return holder.token == self.token

    def renew(self) -> bool:
        """Extend the lease by `ttl_s` from now; False when it is no longer ours."""
        with self._lock:
            if not self.held:
                return False
            with self.lake._io("renew lease", self.lake.path(self.key)):
                kept = self._update(renew=True)
            if not kept:
                self.held, self.lost = False, True
                _live(self.token, False)
                log.warning("lease lost: %s of run %s", self.name, self.holder.run_id)
            return kept

    def release(self) -> None:
        with self._lock:
            if not self.held:
                return
            self.held = False
            try:
                with self.lake._io("release lease", self.lake.path(self.key)):
                    self._update(renew=False)
            finally:
                _live(self.token, False)

    def _update(self, *, renew: bool) -> bool:
        """Renew (push this process's expiry out) or release (take its part away) with a
        compare-and-swap on the version last seen; on a conflict (another member of a shared
        lease wrote in between) read again and retry. False: the lease is not ours any more."""
        seen: _Seen | None = self._seen
        for _ in range(CAS_TRIES):
            if seen is None or not self._mine(seen.holder):
                return False
            assert seen.holder is not None
            now = time.time()
            new: Holder | None
            if not self.shared:
                new = replace(seen.holder, expires_at=now + self.ttl_s) if renew else None
            else:  # the other members still alive, and this one renewed (or gone)
                members = []
                for m in seen.holder.members:
                    if m.token == self.token:
                        if renew:
                            members.append(replace(m, expires_at=now + self.ttl_s))
                    elif stale_reason(m, now) is None:
                        members.append(m)
                new = seen.holder.with_members(members) if members else None
            if new is None:
                if self._backend.delete(self.key, seen):
                    return True
            else:
                version = self._backend.replace(self.key, seen, new.to_bytes())
                if version is not None:
                    self.holder, self._seen = new, _Seen(new, version, 0.0)
                    return True
            if not self.shared:
                return False  # nobody else writes an exclusive lease: it was taken over
            time.sleep(random.uniform(0, CAS_BACKOFF_S))
            seen = self._backend.read(self.key)
        # still ours, but other members kept writing in between: the next beat tries again
        log.warning(
            "lease %s: gave up a %s after %d conflicts",
            self.name,
            "renewal" if renew else "release",
            CAS_TRIES,
        )
        return True

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _key(name: str) -> str:
    parts = [p for p in name.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise ValueError(f"bad lease name {name!r}")
    return "leases/" + "/".join(parts) + ".lease"


def acquire(
    lake: Lake,
    name: str,
    run_id: str,
    *,
    ttl_s: float | None = None,
    wait_s: float | None = None,
    share_run: bool = False,
) -> Lease:
    """Acquire the lease `name` for `run_id`, waiting at most `wait_s` for its holder.

    `share_run`: the lease is shared by the processes of one run (the steps of a run under the
    multiprocess, Celery or Kubernetes executor): a live shared lease of the same run id is
    joined instead of waited for. Each member renews and releases its own part; the lease is
    held, and other runs wait, as long as any member is (alive and renewing), and the last
    member to release it deletes it, so the next run does not wait for anyone who is done.

    Raises `LeaseBusy` (naming the holder) when the wait runs out, `LakeError` when the lake
    cannot be reached."""
    ttl = default_ttl_s() if ttl_s is None else ttl_s
    wait = default_wait_s() if wait_s is None else wait_s
    backend, key = _backend(lake), _key(name)
    deadline = time.monotonic() + wait
    poll = POLL_MIN_S
    where = lake.path(key)
    while True:
        now = time.time()
        host, pid, token = socket.gethostname(), os.getpid(), uuid.uuid4().hex
        me = Member(host=host, pid=pid, token=token, expires_at=now + ttl)
        holder = Holder(
            host=host,
            pid=pid,
            run_id=run_id,
            token=token,
            acquired_at=now,
            expires_at=now + ttl,
            members=(me,) if share_run else (),
        )
        # live before it is written: another thread of this process that reads it at once
        # must not judge it left behind
        _live(token, True)
        version: str | None = None
        try:
            with lake._io("acquire lease", where):
                version = backend.create(key, holder.to_bytes())
                seen = None if version is not None else backend.read(key)
                if seen is not None and share_run and _joinable(seen.holder, run_id, now):
                    assert seen.holder is not None
                    live = [m for m in seen.holder.members if stale_reason(m, now) is None]
                    holder = seen.holder.with_members([*live, me])
                    version = backend.replace(key, seen, holder.to_bytes())
                    if version is None:
                        continue  # another member came or went meanwhile: again at once
                elif seen is not None:
                    reason = _stale(seen, now, ttl)
                    # a takeover deletes exactly the stale lease (conditionally), then
                    # competes with every other waiter in the exclusive create again
                    if reason is not None and backend.delete(key, seen):
                        log.info("lease %s: removed %s (%s)", name, _who(seen, now), reason)
                        seen = None
        finally:
            if version is None:
                _live(token, False)
        if version is not None:
            return Lease(lake, backend, name, holder, version, ttl, token=token)
        if seen is None:
            continue  # released or taken over since our create: try again at once
        if time.monotonic() + poll > deadline:
            raise LeaseBusy(
                f"cannot acquire lease {name} in {lake.shown}: held by {_who(seen, time.time())}"
                f"; gave up after {wait:g}s ({WAIT_ENV})"
            )
        time.sleep(poll * random.uniform(0.5, 1.0))
        poll = min(poll * 2, POLL_MAX_S)


def _joinable(holder: Holder | None, run_id: str, now: float) -> bool:
    """A shared lease of this run with a live member (an exclusive lease is never joined)."""
    return (
        holder is not None
        and holder.run_id == run_id
        and bool(holder.members)
        and stale_reason(holder, now) is None
    )


def _stale(seen: _Seen, now: float, ttl: float) -> str | None:
    if seen.holder is None:  # still being written, or garbage: stale once old enough
        return "unreadable and older than the ttl" if seen.age_s > ttl else None
    return stale_reason(seen.holder, now)


def _who(seen: _Seen, now: float) -> str:
    return seen.holder.describe(now) if seen.holder else "an unreadable lease (being written?)"


class _Heartbeat(threading.Thread):
    def __init__(self, leases: list[Lease], every_s: float) -> None:
        super().__init__(name="riverbed-lease-heartbeat", daemon=True)
        self.leases, self.every_s = leases, every_s
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.every_s):
            _each(self.leases, _renew)


def _renew(lease: Lease) -> None:
    try:
        lease.renew()
    except OSError as exc:  # the lake is down: try again next beat
        log.warning("cannot renew lease %s: %s", lease.name, exc)


def _release(lease: Lease) -> None:
    try:
        lease.release()
    except OSError as exc:  # it expires on its own
        log.warning("cannot release lease %s: %s", lease.name, exc)


def _each(leases: list[Lease], act: Callable[[Lease], None]) -> None:
    """`act` on every lease; on an object store several at once (each is a round trip)."""
    if len(leases) < 2 or leases[0].lake.local:
        for lease in leases:
            act(lease)
        return
    with ThreadPoolExecutor(min(PARALLEL, len(leases))) as pool:
        list(pool.map(act, leases))


def _try_all(
    lake: Lake, names: list[str], run_id: str, ttl: float, share_run: bool
) -> list[Lease] | None:
    """Every lease at once without waiting, or none (any busy one: all given back)."""

    def attempt(name: str) -> Lease | None:
        try:
            return acquire(lake, name, run_id, ttl_s=ttl, wait_s=0, share_run=share_run)
        except LeaseBusy:
            return None

    if lake.local:  # a local file is created in microseconds: threads would only cost
        got = [attempt(name) for name in names]
    else:
        with ThreadPoolExecutor(min(PARALLEL, len(names))) as pool:
            got = list(pool.map(attempt, names))
    held = [g for g in got if g is not None]
    if len(held) == len(names):
        return held
    _each(held, _release)
    return None


@contextlib.contextmanager
def leased(
    lake: Lake,
    names: Iterable[str],
    run_id: str,
    *,
    ttl_s: float | None = None,
    wait_s: float | None = None,
    share_run: bool = False,
) -> Iterator[list[Lease]]:
    """Hold every lease in `names` for the duration of the block, renewed in the background;
    all are released on exit, also when the block raises.

    All are first tried at once without waiting (the common, uncontended case: one round
    trip's worth of time for a whole batch); if any is busy, the ones taken are given back
    and the leases are taken one by one in sorted order, waiting (one budget of `wait_s` for
    all), so two holders of overlapping sets never deadlock. `share_run`: see `acquire`."""
    ttl = default_ttl_s() if ttl_s is None else ttl_s
    wait = default_wait_s() if wait_s is None else wait_s
    deadline = time.monotonic() + wait
    wanted = sorted(set(names))
    held: list[Lease] = []
    beat = _Heartbeat(held, ttl / 4)
    try:
        if len(wanted) > 1:
            held.extend(_try_all(lake, wanted, run_id, ttl, share_run) or [])
        if not held:
            for name in wanted:
                left = max(0.0, deadline - time.monotonic())
                held.append(
                    acquire(lake, name, run_id, ttl_s=ttl, wait_s=left, share_run=share_run)
                )
        if held:
            beat.start()
        yield held
    finally:
        beat.stop.set()
        if beat.is_alive():
            beat.join()
        _each(held, _release)


def source_lease(source_id: str) -> str:
    """The lease of a source's collection (its day partitions and its state file)."""
    return f"sources/{source_id}"


def slot_lease(kind: str, slot: str) -> str:
    """The lease of a collect slot (`riverbed.core.slots`): a source's own lease, or its
    bucket's (`sources/<kind>.bucket.NN`; a bucket's sources are collected under it)."""
    return source_lease(slot if not is_bucket(slot) else f"{kind}.{slot}")


def daily_lease(date: str) -> str:
    """The lease of a date's daily stage (refine, enrich, publish)."""
    return f"daily/{date}"


def compact_lease(table: str, date: str) -> str:
    """The lease of compacting one day of a collect table (`riverbed.lake.compact`)."""
    return f"compact/{table}/{date}"


NOTIFY_LEASE = "notify"

__all__ = [
    "NOTIFY_LEASE",
    "Holder",
    "Lease",
    "LeaseBusy",
    "Member",
    "acquire",
    "compact_lease",
    "daily_lease",
    "leased",
    "precondition_failed",
    "source_lease",
    "stale_reason",
]
