"""Issue 7: a whole AWS rollout through the CLI, against a moto server, with a warning spike mid-drain.

`rollout-tui run PLAN --headless --json` runs in a subprocess with fake credentials; the test reads its
JSON lines as they come, publishes a warning spike to CloudWatch when draining starts, and checks that the
gate blocks draining (with its numbers), clears once the spike has passed, and that the rollout completes
with the old Auto Scaling group empty and the new one at the target size.

What moto does differently from AWS, and what that means here:
- instances are `InService` at once and deregistration finishes at once, so a host drains in one tick;
- alarms are never evaluated (the plan names none), lifecycle hooks and instance refresh are absent (the
  provider uses neither);
- `GetMetricData` keeps data points with `StartTime <= timestamp < EndTime` at whole seconds and does not
  align periods, so a window of a few seconds works. On AWS a window that short needs a high-resolution
  metric (`StorageResolution=1`, period 1 s), which is what the plan and the spike use.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import boto3

from rollout_tui.store.log import EventLog
from tests.aws.fixtures import Fleets, create_fleets
from tests.e2e.conftest import REGION, SECRET, MotoServer, aws_environment

OLD_SIZE = 4
"""Hosts in the old group."""
TARGET = 4
"""Healthy hosts the new group must reach."""
NAMESPACE, METRIC = "Workers", "AppWarnings"
"""The warning metric the plan's gate reads and the test publishes the spike to."""
DIMENSIONS = [{"Name": "Service", "Value": "workers"}]
"""The metric's exact dimensions (as in the plan)."""
WINDOW_SECONDS = 4
"""The gate window (real seconds): a spike stays in it this long after it is published."""
FLOOR_PER_MINUTE = 30.0
"""Below this rate the gate never blocks. The baseline is 0 (nothing published before draining)."""
SPIKE = 50.0
"""Warnings per published spike data point: 50 in a 4 s window is 750/min, far over the floor."""
CLEAR_AFTER = 2
"""Good readings in a row before a block clears."""
RUN_TIMEOUT = 60.0
"""Seconds the whole rollout may take before the test gives up (it takes about 10)."""
EVENT_FIELDS = {"seq", "rollout_id", "stream", "version", "type", "at", "actor", "data"}
"""The fields of every JSON line (the events table's columns)."""


def plan_text(fleets: Fleets, endpoint_url: str) -> str:
    """A small real-time plan: 0.5 s ticks, a 4 s gate window, one drain at a time."""
    return f"""\
name = "e2e-aws"
description = "Replace {fleets.old} with {fleets.new} on a moto server, gated on {NAMESPACE}/{METRIC}."

[provider]
kind = "aws"

[provider.aws]
region = "{REGION}"
endpoint_url = "{endpoint_url}"
retry_mode = "standard"
max_attempts = 2
connect_timeout_seconds = 5
read_timeout_seconds = 10

[provider.aws.warning_metric]
namespace = "{NAMESPACE}"
name = "{METRIC}"
statistic = "Sum"
period_seconds = 1
dimensions = [{{ name = "Service", value = "workers" }}]

[fleets]
old = "{fleets.old}"
new = "{fleets.new}"
target_size = {TARGET}

[boot]
batch = {TARGET}
per_minute = 60
health_timeout_seconds = 60

[drain]
# One host at a time, so hosts are still waiting to drain when the spike arrives.
max_in_flight = 1
per_minute = 60
min_healthy = "100%"
timeout_seconds = 60

[gate]
enabled = true
window_seconds = {WINDOW_SECONDS}
baseline_seconds = {WINDOW_SECONDS}
floor_per_minute = {FLOOR_PER_MINUTE}
multiple = 3.0
clear_after = {CLEAR_AFTER}
on_unreadable = "block"
hold_after_seconds = 300

[engine]
tick_seconds = 0.5
lease_seconds = 5
max_provider_failures = 3
max_duration_seconds = 120
"""


@dataclass
class EventStream:
    """The JSON lines of a running `rollout-tui run --headless --json`, read on a thread."""

    process: subprocess.Popen[str]
    """The CLI process."""
    lines: list[str] = field(default_factory=list)
    """Every raw line read so far."""
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue, init=False, repr=False)

    def __post_init__(self) -> None:
        assert self.process.stdout is not None
        threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True).start()

    def _pump(self, out: IO[str]) -> None:
        for line in out:
            self._queue.put(line)
        self._queue.put(None)

    def events(self, deadline: float) -> Iterator[dict[str, Any]]:
        """Each event as it is printed, until stdout closes; `TimeoutError` past `deadline` (monotonic)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                raise TimeoutError from None
            if line is None:
                return
            self.lines.append(line)
            yield json.loads(line)


def publish_spike(cloudwatch: Any) -> None:
    """One high-resolution data point of `SPIKE` warnings, stamped at the whole second before now.

    moto cuts the query window to whole seconds and keeps `StartTime <= timestamp < EndTime`: a point
    stamped in the current second would be missed by a read later in that same second, one stamped in the
    second before is seen by every read of the next `WINDOW_SECONDS - 1` seconds.
    """
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {
                "MetricName": METRIC,
                "Dimensions": DIMENSIONS,
                "Timestamp": datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1),
                "Value": SPIKE,
                "Unit": "Count",
                "StorageResolution": 1,
            }
        ],
    )


def first(events: list[dict[str, Any]], type_: str, after: int = 0) -> int:
    """Index of the first event of `type_` at or after index `after`; fails the test if there is none."""
    for index in range(after, len(events)):
        if events[index]["type"] == type_:
            return index
    raise AssertionError(f"no {type_} after event #{after}: {[e['type'] for e in events[after:]]}")


def test_aws_rollout_blocks_drains_on_a_warning_spike_then_completes(
    moto_server: MotoServer, aws_session: boto3.Session, tmp_path: Path
) -> None:
    endpoint = moto_server.endpoint_url
    fleets = create_fleets(aws_session, endpoint_url=endpoint, old_size=OLD_SIZE)
    assert len(fleets.old_instance_ids) == OLD_SIZE
    cloudwatch = aws_session.client("cloudwatch", endpoint_url=endpoint)
    autoscaling = aws_session.client("autoscaling", endpoint_url=endpoint)
    plan = tmp_path / "e2e-aws.toml"
    plan.write_text(plan_text(fleets, endpoint), encoding="utf-8")
    db = tmp_path / "rollout.db"
    stderr_path = tmp_path / "run.stderr"
    env = aws_environment(dict(os.environ), tmp_path)

    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "rollout_tui", "run", str(plan), "--headless", "--json", "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
            cwd=tmp_path,
        )
    stream = EventStream(process)
    events: list[dict[str, Any]] = []
    spiking = False
    try:
        for event in stream.events(time.monotonic() + RUN_TIMEOUT):
            events.append(event)
            kind = event["type"]
            # The spike starts with the first drain and lasts until the gate has blocked: it is published
            # again with every reading, so it cannot slip between two ticks.
            if kind == "DrainStarted" and not any(e["type"] == "GateBlocked" for e in events):
                spiking = True
            if kind == "GateBlocked":
                spiking = False
            if spiking and kind in ("DrainStarted", "SignalsObserved"):
                publish_spike(cloudwatch)
        code = process.wait(timeout=RUN_TIMEOUT)
    except TimeoutError:
        process.kill()
        process.wait(timeout=10)
        raise AssertionError(
            f"no end of the rollout within {RUN_TIMEOUT:g}s; last events: "
            f"{[e['type'] for e in events[-15:]]}; stderr: {stderr_path.read_text()[-2000:]}"
        ) from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    stderr_text = stderr_path.read_text()
    assert code == 0, f"exit {code}; stderr: {stderr_text[-2000:]}"

    # Every line is one event with the table's fields, in gap-free seq order, of one rollout.
    assert events, f"no events printed; stderr: {stderr_text[-2000:]}"
    for event in events:
        assert set(event) == EVENT_FIELDS, event
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[0]["seq"] + len(events)))
    assert len({e["rollout_id"] for e in events}) == 1
    assert {e["actor"] for e in events} == {"engine", "provider:aws"}
    types = [e["type"] for e in events]

    baseline = events[first(events, "BaselineMeasured")]["data"]
    drain = first(events, "DrainStarted")
    assert first(events, "BaselineMeasured") < drain

    # The spike blocks draining, and the block says why with its numbers.
    blocked = first(events, "GateBlocked", after=drain)
    numbers = events[blocked]["data"]
    assert numbers["baseline_per_minute"] == baseline["baseline_per_minute"]
    assert numbers["window_seconds"] == WINDOW_SECONDS
    assert numbers["floor_per_minute"] == FLOOR_PER_MINUTE
    assert numbers["threshold_per_minute"] == max(FLOOR_PER_MINUTE, 3.0 * baseline["baseline_per_minute"])
    assert numbers["rate_per_minute"] >= SPIKE * 60 / WINDOW_SECONDS
    assert numbers["rate_per_minute"] > numbers["threshold_per_minute"]
    assert "threshold" in numbers["reason"]

    # No drain starts while the gate is closed; it clears after CLEAR_AFTER good readings in a row.
    cleared = first(events, "GateCleared", after=blocked)
    assert "DrainStarted" not in types[blocked:cleared]
    readings = [e["data"]["verdict"] for e in events[blocked:cleared] if e["type"] == "SignalsObserved"]
    assert readings[-CLEAR_AFTER:] == ["pass"] * CLEAR_AFTER, readings
    assert events[cleared]["data"]["rate_per_minute"] <= FLOOR_PER_MINUTE
    assert "DrainStarted" in types[cleared:], "the block held back no drain: the spike came too late"

    # The rollout completes: every old host drained and terminated, the new fleet healthy at the target.
    completed = first(events, "RolloutCompleted", after=cleared)
    assert events[completed]["data"]["new_healthy"] == TARGET
    assert events[completed]["data"]["old_terminated"] == OLD_SIZE
    drained = {e["data"]["host_id"] for e in events if e["type"] == "DrainStarted"}
    terminated = {e["data"]["host_id"] for e in events if e["type"] == "HostTerminated"}
    assert drained == set(fleets.old_instance_ids)
    assert set(fleets.old_instance_ids) <= terminated
    assert types.count("GateBlocked") == 1 and types.count("GateCleared") == 1

    groups = {
        g["AutoScalingGroupName"]: g
        for g in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[fleets.old, fleets.new])[
            "AutoScalingGroups"
        ]
    }
    old, new = groups[fleets.old], groups[fleets.new]
    assert (old["DesiredCapacity"], len(old["Instances"])) == (0, 0), old
    assert new["DesiredCapacity"] == TARGET
    assert [i["LifecycleState"] for i in new["Instances"]] == ["InService"] * TARGET

    # The log verifies clean, and the secret is nowhere: output, errors, log file.
    with EventLog(db, readonly=True) as log:
        recorded = [(e.seq, e.type) for e in log.read()]
    verify = subprocess.run(
        [sys.executable, "-m", "rollout_tui", "verify", "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith(f"{db}: ok, {len(recorded)} events, 1 rollout(s)"), verify.stdout
    for name, text in [("stdout", "".join(stream.lines)), ("stderr", stderr_text), ("verify", verify.stdout)]:
        assert SECRET not in text, f"the secret access key appears in {name}"
    for path in tmp_path.glob(f"{db.name}*"):
        assert SECRET.encode() not in path.read_bytes(), f"the secret access key appears in {path.name}"

    # `run --headless --json` prints every event it appends: the stream is the log, up to the last seq
    # (the engine's closing `LeaseReleased` included).
    assert [(e["seq"], e["type"]) for e in events] == recorded, f"not printed: {recorded[len(events) :]}"
