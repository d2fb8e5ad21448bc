"""Helpers for the reliability tests: the CLI in-process and as a subprocess, JSON lines, log queries."""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rollout_tui import cli
from rollout_tui.domain.events import EventType

PYTHON = sys.executable
DEADLINE_SECONDS = 120.0
"""The most any one CLI subprocess of these tests may take before it is killed and the test fails."""


@dataclass(frozen=True)
class Outcome:
    """How one CLI invocation ended."""

    code: int
    """The exit code."""
    stdout: str
    """What it printed on stdout."""
    stderr: str
    """What it printed on stderr."""

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def cli_env() -> dict[str, str]:
    """The environment for CLI subprocesses: no log chosen by the environment, no debug tracebacks."""
    env = dict(os.environ)
    env.pop("ROLLOUT_TUI_DB", None)
    env.pop("ROLLOUT_TUI_DEBUG", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli_command(*args: str) -> list[str]:
    return [PYTHON, "-m", "rollout_tui", *args]


def run_cli(*args: str, cwd: Path, timeout: float = DEADLINE_SECONDS) -> Outcome:
    """`rollout-tui ARGS` as a subprocess, to the end."""
    done = subprocess.run(
        cli_command(*args), cwd=cwd, env=cli_env(), capture_output=True, text=True, timeout=timeout
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def call_main(*args: str) -> Outcome:
    """`rollout-tui ARGS` in this process through `cli.main`, with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main(list(args))
        except SystemExit as exit_:
            code = exit_.code
    return Outcome(int(code or 0) if not isinstance(code, str) else 1, out.getvalue(), err.getvalue())


def status_json(db: Path) -> dict[str, Any]:
    """`rollout-tui status --json` for the newest rollout in `db`."""
    outcome = call_main("status", "--json", "--db", str(db))
    assert outcome.code == 0, outcome.stderr
    return json.loads(outcome.stdout)


def assert_verify_clean(db: Path) -> None:
    outcome = call_main("verify", "--db", str(db))
    assert outcome.code == 0, f"verify failed: {outcome.stderr}"
    assert ": ok," in outcome.stdout


def assert_one_line_error(outcome: Outcome, code: int = 2) -> str:
    """The documented exit code, exactly one line on stderr, no traceback; returns the line."""
    assert outcome.code == code, f"exit {outcome.code}, want {code}; stderr: {outcome.stderr[-2000:]!r}"
    assert "Traceback" not in outcome.stderr, outcome.stderr[-4000:]
    lines = outcome.error_lines
    assert len(lines) == 1, f"want one line on stderr, got {len(lines)}: {outcome.stderr[-2000:]!r}"
    assert lines[0].startswith("rollout-tui: "), lines[0]
    return lines[0]


class CliProcess:
    """A running `rollout-tui` subprocess whose stdout lines are read on a thread (no blocking reads)."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.process = subprocess.Popen(
            cli_command(*args),
            cwd=cwd,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        """Every stdout line read so far."""
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._pump, args=(self.process.stdout, self._queue), daemon=True).start()
        self._err_thread = threading.Thread(
            target=self._drain_stderr, args=(self.process.stderr,), daemon=True
        )
        self._err_thread.start()

    @staticmethod
    def _pump(out: IO[str], sink: queue.Queue[str | None]) -> None:
        for line in out:
            sink.put(line)
        sink.put(None)

    def _drain_stderr(self, err: IO[str]) -> None:
        self._stderr.extend(err)

    def events(self, timeout: float = DEADLINE_SECONDS) -> Iterator[dict[str, Any]]:
        """Each JSON line as it is printed, until stdout closes; fails the test past `timeout` seconds."""
        for line in self.raw_lines(timeout):
            yield json.loads(line)

    def raw_lines(self, timeout: float = DEADLINE_SECONDS) -> Iterator[str]:
        """Each stdout line as it is printed, until stdout closes; fails the test past `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no end of output within {timeout:g}s")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                return
            self.lines.append(line)
            yield line

    def kill(self) -> None:
        """SIGKILL, and reap it, so its pid is really gone (a zombie would still look alive)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=DEADLINE_SECONDS)

    def stderr_so_far(self) -> str:
        """What the process wrote to stderr until now (all of it once it has ended)."""
        return "".join(self._stderr)

    def wait(self, timeout: float = DEADLINE_SECONDS) -> Outcome:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        for _ in self.raw_lines(timeout):
            pass
        self._err_thread.join(timeout)
        return Outcome(code, "".join(self.lines), "".join(self._stderr))

    def __enter__(self) -> CliProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@dataclass
class LogFacts:
    """What the reliability checks read from a log, with plain sqlite3 (read-only)."""

    types: list[tuple[int, str, str, str, dict[str, Any]]] = field(default_factory=list)
    """(seq, type, stream, actor, data) of every event, in seq order."""

    @classmethod
    def read(cls, db: Path) -> LogFacts:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT seq, type, stream, actor, data FROM events ORDER BY seq").fetchall()
        finally:
            conn.close()
        return cls(
            [(seq, type_, stream, actor, json.loads(data)) for seq, type_, stream, actor, data in rows]
        )

    def of(self, *types: str) -> list[tuple[int, str, str, str, dict[str, Any]]]:
        return [row for row in self.types if row[1] in types]

    def drains_per_host(self) -> Counter[str]:
        return Counter(row[4]["host_id"] for row in self.of(EventType.DRAIN_STARTED))

    @property
    def last_seq(self) -> int:
        return self.types[-1][0] if self.types else 0


def assert_no_host_drained_twice(facts: LogFacts) -> None:
    twice = {host: n for host, n in facts.drains_per_host().items() if n > 1}
    assert not twice, f"hosts with more than one DrainStarted: {twice}"


def assert_boots_within_target(facts: LogFacts, target: int) -> None:
    """BootRequested adds up to no more than the target plus one per replacement, at every point."""
    boots = facts.of(EventType.BOOT_REQUESTED)
    replacements = sum(1 for row in boots if row[4].get("replaces"))
    total = sum(int(row[4]["count"]) for row in boots)
    assert total <= target + replacements, f"{total} boots requested for {target} + {replacements}"
    most = max((int(row[4]["desired"]) for row in boots), default=0)
    assert most <= target, f"new fleet desired {most} > target {target}"


def file_state(path: Path) -> dict[str, bytes | None]:
    """The bytes of a log and of its -wal and -shm files (None where absent)."""
    state: dict[str, bytes | None] = {}
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(f"{path}{suffix}")
        state[suffix or "db"] = candidate.read_bytes() if candidate.exists() else None
    return state


def kill_points(seed: int, count: int, low: int, high: int) -> Sequence[int]:
    """`count` distinct seqs in [low, high], drawn with a fixed seed."""
    import random

    return sorted(random.Random(seed).sample(range(low, high + 1), count))
