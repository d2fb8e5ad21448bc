"""Run every benchmark and print one row per figure, ending in `ok` or `MISS` against its target.

    python -m tests.benchmarks           full sizes (a 1M-event log, 10,000 hosts; several minutes)
    python -m tests.benchmarks --quick   the same rows at reduced sizes, within about a minute

Every figure is a ratio against a baseline measured in the same run, so it holds on a noisy machine; each
timing is the best of a few repeats.
"""

from __future__ import annotations

import argparse
import gc
import json
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rollout_tui.domain.events import EventType, NewEvent, host_stream
from rollout_tui.engine.engine import Engine, frozen_heap
from rollout_tui.engine.plan import load_plan
from rollout_tui.engine.session import start_rollout
from rollout_tui.store.log import _INSERT, EventLog
from rollout_tui.store.replay import replay
from tests.benchmarks.logs import rollout_events, write_log


@dataclass(frozen=True)
class Row:
    name: str
    measured: str
    baseline: str
    ratio: float
    target: str
    ok: bool


def best(fn: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def at_least(name: str, ours: float, base: float, target: float, what: str, base_what: str) -> Row:
    """A throughput row: ours/base in speed terms (base_time / our_time) must be >= target."""
    ratio = base / ours
    return Row(
        name, f"{what} {ours:.3f}s", f"{base_what} {base:.3f}s", ratio, f">= {target:g}x", ratio >= target
    )


def at_most(name: str, ours: float, base: float, target: float, what: str, base_what: str) -> Row:
    """A cost row: our_time / base_time must be <= target."""
    ratio = ours / base
    return Row(
        name, f"{what} {ours:.4f}s", f"{base_what} {base:.4f}s", ratio, f"<= {target:g}x", ratio <= target
    )


def raw_scan(path: Path) -> int:
    conn = sqlite3.connect(path)
    count = 0
    for row in conn.execute("SELECT * FROM events ORDER BY seq"):
        json.loads(row[8])
        count += 1
    conn.close()
    return count


def bench_replay(big: Path, events: int) -> list[Row]:
    with EventLog(big, readonly=True) as log:
        ours = best(lambda: replay(log, use_snapshots=False), 2)
    base = best(lambda: raw_scan(big), 2)
    return [at_least(f"replay {events:,} events vs raw sqlite3+json scan", ours, base, 0.5, "replay", "raw")]


def bench_eventsourcing(big: Path, events: int, folder: Path) -> list[Row]:
    try:
        from tests.benchmarks import es_baseline
    except ImportError:
        return [Row("replay vs eventsourcing", "eventsourcing not installed", "-", 0.0, ">= 4x", False)]
    app, ids = es_baseline.build(big, folder / "es.db")
    base = best(lambda: es_baseline.replay(app, ids), 1)
    with EventLog(big, readonly=True) as log:
        ours = best(lambda: replay(log, use_snapshots=False), 2)
    return [at_least(f"replay {events:,} events vs eventsourcing aggregates", ours, base, 4.0, "ours", "es")]


def bench_open(big: Path, small: Path, events: int) -> list[Row]:
    """Open each log and rebuild its newest state, as `status` does.

    Both logs are written with the snapshots the engine keeps (`write_log`). The big one ends the most
    events after its newest snapshot that an engine leaves (`SNAPSHOT_EVERY - 1`); the small one is shorter
    than that and has none. Both fold about 1,000 events, so the difference is what a snapshot of 20,000
    hosts costs to open against none.
    """

    def open_latest(path: Path) -> None:
        with EventLog(path, readonly=True) as log:
            replay(log).status_json()

    ours = best(lambda: open_latest(big), 5)
    base = best(lambda: open_latest(small), 5)
    return [at_most(f"open {events:,}-event log vs 1,000-event log", ours, base, 2.0, "big", "small")]


def bench_append(folder: Path, count: int) -> list[Row]:
    events = [e for e, _ in zip(rollout_events(200, count + 10, rollout_id="a"), range(count), strict=False)]
    rows = [
        (i + 1, e.rollout_id, e.stream, i + 1, e.type, e.at, "now", e.actor, e.data)
        for i, e in enumerate(events)
    ]
    single = events[: max(200, count // 20)]

    def ours_single() -> None:
        path = folder / "append-ours.db"
        path.unlink(missing_ok=True)
        with EventLog(path) as log:
            for e in single:
                log.append(NewEvent(e.rollout_id, f"s{hash(e.stream) % 1000}", e.type, e.at, e.actor, e.data))

    def raw(batch: int) -> Callable[[], None]:
        def run() -> None:
            path = folder / "append-raw.db"
            path.unlink(missing_ok=True)
            EventLog(path).close()  # the same schema, triggers and pragmas
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            todo = rows[: len(single)] if batch == 1 else rows
            for i in range(0, len(todo), batch):
                chunk = [(*r[:8], json.dumps(r[8], separators=(",", ":"))) for r in todo[i : i + batch]]
                chunk = [(r[0], r[1], f"s{hash(r[2]) % 1000}" if batch == 1 else r[2], *r[3:]) for r in chunk]
                if batch == 1:
                    chunk = [(r[0], r[1], r[2], r[0], *r[4:]) for r in chunk]
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(_INSERT, chunk)
                conn.execute("COMMIT")
            conn.close()

        return run

    def ours_batch() -> None:
        path = folder / "append-ours.db"
        path.unlink(missing_ok=True)
        with EventLog(path) as log:
            for i in range(0, len(events), 1000):
                log.append_batch(events[i : i + 1000])

    one = at_least(
        f"durable single append x{len(single):,} vs raw insert",
        best(ours_single, 2),
        best(raw(1), 2),
        0.8,
        "ours",
        "raw",
    )
    many = at_least(
        f"batch append {len(events):,} (1,000/batch) vs raw executemany",
        best(ours_batch, 2),
        best(raw(1000), 2),
        0.8,
        "ours",
        "raw",
    )
    return [one, many]


def engine_tick_seconds(hosts: int) -> float:
    from tests.engine.fakes import FakeProvider, make_plan, sim_clock

    clock = sim_clock()
    provider = FakeProvider(clock, old_size=hosts, drain_seconds=(10**6, 10**6), boot_seconds=(30, 30))
    plan = make_plan(
        target=hosts,
        boot_batch=hosts,
        boot_per_minute=hosts,
        max_in_flight="5%",
        per_minute=hosts,
        min_healthy=0,
    )
    with EventLog(":memory:") as log:
        engine = Engine(log, plan, provider, clock, "bench", holder="bench")
        engine.lease.acquire("2026-01-01T00:00:00Z")
        engine.begin()
        while engine.projection.stage != "drain":
            engine.tick()
            clock.sleep(30)
        ticks = 10

        def run() -> None:
            for _ in range(ticks):
                engine.tick()
                clock.sleep(30)

        with frozen_heap():  # as `Engine.run` ticks
            return best(run, 5) / ticks


def bench_engine(small: int, large: int) -> list[Row]:
    base, ours = engine_tick_seconds(small), engine_tick_seconds(large)
    return [at_most(f"engine tick at {large:,} hosts vs {small:,}", ours, base, 10.0, "large", "small")]


def bench_memory(hosts: int) -> list[Row]:
    """Bytes the projection keeps per host after folding a log of `hosts` hosts (events come and go)."""
    events = [
        NewEvent(
            "m",
            host_stream(f"i-{i:017x}"),
            EventType.HOST_DISCOVERED,
            "2026-01-01T00:00:00Z",
            "engine",
            {"host_id": f"i-{i:017x}", "fleet": "old" if i % 2 else "new", "state": "healthy", "apps": 40},
        )
        for i in range(hosts)
    ]
    with EventLog(":memory:") as log:
        log.append_batch(events)
        del events
        gc.collect()
        tracemalloc.start()
        fold = replay(log, use_snapshots=False)
        gc.collect()
        kept, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert len(fold.hosts) == hosts
    per_host = kept / hosts
    target = 8 * 1024
    return [
        Row(
            f"projection memory per host at {hosts:,} hosts",
            f"{per_host:,.0f} B",
            "8 KiB",
            per_host / target,
            "<= 1x",
            per_host <= target,
        )
    ]


def bench_simulator() -> list[Row]:
    plan = load_plan("outage-guarded")
    with EventLog(":memory:") as log:
        engine = start_rollout(plan, log, holder="bench")
        start = time.perf_counter()
        engine.run()
        wall = time.perf_counter() - start
        fold = engine.projection
    assert fold.started_at and fold.at
    from rollout_tui.providers.base import parse_iso

    simulated = (parse_iso(fold.at) - parse_iso(fold.started_at)).total_seconds()
    speed = simulated / wall
    return [
        Row(
            "simulator: outage scenario headless vs real time",
            f"{simulated / 60:.1f} sim-min in {wall:.2f}s",
            "real time",
            speed,
            ">= 1000x",
            speed >= 1000,
        )
    ]


def bench_tui() -> list[Row]:
    from tests.benchmarks import tui_bench

    shown, folded = tui_bench.medians()
    name = f"TUI, engine here: show {tui_bench.BATCH:,} host transitions at {tui_bench.HOSTS:,} hosts vs fold"
    return [at_most(name, shown, folded, 3.0, "shown", "folded")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes, within about a minute")
    args = parser.parse_args(argv)
    events, hosts = (100_000, 1_000) if args.quick else (1_000_000, 10_000)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big, small = folder / "big.db", folder / "small.db"
        print(f"generating a {events:,}-event log of {hosts:,} hosts per fleet...", file=sys.stderr)
        count = write_log(big, hosts, events)
        write_log(small, 50, 1_000)
        sections: list[Callable[[], list[Row]]] = [
            lambda: bench_replay(big, count),
            lambda: bench_eventsourcing(big, count, folder),
            lambda: bench_open(big, small, count),
            lambda: bench_append(folder, 20_000 if args.quick else 100_000),
            lambda: bench_engine(hosts // 10, hosts),
            lambda: bench_memory(10_000 if args.quick else 100_000),
            bench_simulator,
            bench_tui,
        ]
        for section in sections:
            for row in section():
                rows.append(row)
                print(f"  {row.name}: {row.ratio:.2f} ({'ok' if row.ok else 'MISS'})", file=sys.stderr)
    width = max(len(r.name) for r in rows)
    print(f"| {'figure':<{width}} | measured | baseline | ratio | target | result |")
    print(f"|{'-' * (width + 2)}|---|---|---:|---|---|")
    for r in rows:
        print(
            f"| {r.name:<{width}} | {r.measured} | {r.baseline} | {r.ratio:.2f} | {r.target} | "
            f"{'ok' if r.ok else 'MISS'} |"
        )
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
