"""The `rollout-tui` command: parse, call the store or engine, print. Errors are one line on stderr."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from rollout_tui.domain.projection import ReplayError, RolloutProjection
from rollout_tui.engine.commands import COMMANDS, send_command
from rollout_tui.engine.dryrun import dry_run
from rollout_tui.engine.engine import Engine
from rollout_tui.engine.plan import Plan, load_plan, with_aws_overrides
from rollout_tui.engine.session import open_rollout, resume_rollout, start_rollout
from rollout_tui.errors import BadInputError, ExitCode, RolloutError
from rollout_tui.headless import HeadlessOutput, summary_line
from rollout_tui.postmortem.timeline import build_timeline, to_markdown
from rollout_tui.postmortem.whatif import to_text, what_if
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import replay as replay_log
from rollout_tui.store.replay import resolve_rollout
from rollout_tui.store.verify import verify as verify_log

DEFAULT_DB = Path("state") / "rollout.db"

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DB,
    envvar="ROLLOUT_TUI_DB",
    show_default=True,
    help="The event log (SQLite file).",
)
rollout_option = click.option("--rollout", "rollout_id", help="Rollout id (default: the newest in the log).")


def _print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, sort_keys=False))


def _summary(fold: RolloutProjection) -> str:
    status = fold.status_json()
    lines = [
        f"rollout {status['rollout_id']}: {status['phase']} ({status['stage']}) as of seq {status['seq']}"
        + (f", {status['at']}" if status["at"] else ""),
    ]
    for fleet, states in status["fleets"].items():
        shown = ", ".join(f"{n} {state}" for state, n in states.items() if n) or "no hosts"
        lines.append(f"  {fleet} fleet: {shown}")
    gate = status["gate"]
    lines.append(f"  gate: {gate['state']}" + (f" ({gate['reason']})" if gate["reason"] else ""))
    lines.append(f"  warnings/min: {status['warnings_per_minute']:.1f}")
    if status["apps"] is not None:
        lines.append(f"  apps: {status['apps']['healthy']} healthy, {status['apps']['corrupted']} corrupted")
    if fold.pause_reason:
        lines.append(f"  paused: {fold.pause_reason}")
    return "\n".join(lines)


def _replay(db_path: Path, rollout_id: str | None, at: int | None) -> RolloutProjection:
    with EventLog(db_path, readonly=True) as log:
        fold = replay_log(log, rollout_id, at=at)
    for type_name, count in fold.skipped.items():
        click.echo(f"warning: skipped {count} event(s) of unknown type {type_name}", err=True)
    return fold


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rollout_tui")
def cli() -> None:
    """Replace a fleet of worker hosts without taking production down.

    Every fact and decision is an event in an append-only SQLite log; status, replay and verify read it.

    Exit codes: 0 ok or completed, 2 bad input, 3 aborted, 4 provider failure, 5 lease held by another
    engine, 130 interrupted.
    """


@cli.command()
@db_option
@rollout_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status(db_path: Path, rollout_id: str | None, as_json: bool) -> None:
    """Show where a rollout stands, from the log."""
    fold = _replay(db_path, rollout_id, None)
    if as_json:
        _print_json(fold.status_json())
    else:
        click.echo(_summary(fold))


@cli.command()
@db_option
@rollout_option
@click.option("--at", "at", type=click.IntRange(min=0), help="Show the state as of this seq.")
@click.option("--headless", is_flag=True, help="Print the state instead of opening the TUI.")
@click.option("--json", "as_json", is_flag=True, help="With --headless: print one JSON object.")
def replay(db_path: Path, rollout_id: str | None, at: int | None, headless: bool, as_json: bool) -> int:
    """Rebuild a rollout's state as of any seq: a read-only TUI to step, play and seek through its log.

    It opens at the end (or at --at SEQ). Keys: arrows step, n/N jump between decisions, space plays,
    +/- change speed, : seeks to a seq or time, F follows a log still being written, ? lists them all.
    With --headless (or --json, or without a terminal) it prints the state instead.
    """
    if headless or as_json or not sys.stdout.isatty():
        fold = _replay(db_path, rollout_id, at)
        if as_json:
            _print_json(fold.status_json())
        else:
            click.echo(_summary(fold))
        return ExitCode.OK
    from rollout_tui.tui.replay_app import ReplayApp

    with EventLog(db_path, readonly=True) as log:
        rid = resolve_rollout(log, rollout_id)
    code = ReplayApp(db_path, rollout_id=rid, at=at).run()
    return ExitCode.INTERRUPTED if code is None else code


@cli.command()
@db_option
def verify(db_path: Path) -> None:
    """Check a log: gap-free seq, per-stream versions, legal transitions, valid JSON."""
    with EventLog(db_path, readonly=True) as log:
        report = verify_log(log)
    for type_name, count in report.skipped.items():
        click.echo(f"warning: {count} event(s) of unknown type {type_name} kept and skipped", err=True)
    if not report.ok:
        first = report.problems[0]
        more = len(report.problems) - 1
        raise BadInputError(f"{db_path}: {first}" + (f" (and {more} more problem(s))" if more else ""))
    click.echo(f"{db_path}: ok, {report.events} events, {report.rollouts} rollout(s)")


@cli.command()
@db_option
@rollout_option
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
def timeline(db_path: Path, rollout_id: str | None, fmt: str) -> None:
    """A postmortem timeline: phases, every gate and budget decision, operator actions, a summary."""
    with EventLog(db_path, readonly=True) as log:
        events = list(log.read(rollout_id=resolve_rollout(log, rollout_id)))
    result = build_timeline(events)
    if fmt == "json":
        _print_json(result.as_json())
    else:
        click.echo(to_markdown(result), nl=False)


@cli.command()
@click.argument("plan")
@db_option
@rollout_option
def whatif(plan: str, db_path: Path, rollout_id: str | None) -> None:
    """Re-run PLAN's gate and budget over a recorded rollout's signals; touches no provider."""
    other = load_plan(plan)
    with EventLog(db_path, readonly=True) as log:
        events = list(log.read(rollout_id=resolve_rollout(log, rollout_id)))
    click.echo(to_text(what_if(other, events)))


def _engine_for(
    log: EventLog, plan: Plan, on_event: Any, speed: float, *, check_lease: bool = True
) -> Engine:
    """Resume the newest rollout of this plan if it is unfinished; otherwise start a new one."""
    engine, _ = open_rollout(log, plan, speed=speed, on_event=on_event, check_lease=check_lease)
    return engine


def _say_resuming(engine: Engine) -> Callable[[], None] | None:
    """Once the lease is held: tell the user a rollout is picked up where its log left off."""
    if engine.projection.plan is None:
        return None
    at = engine.projection.seq
    return lambda: click.echo(f"resuming rollout {engine.rollout_id} from seq {at}", err=True)


def _run(
    plan_ref: str,
    db_path: Path,
    *,
    headless: bool,
    as_json: bool,
    dry: bool,
    speed: float | None = None,
    profile: str | None = None,
    region: str | None = None,
) -> int:
    plan = with_aws_overrides(load_plan(plan_ref), profile=profile, region=region)
    if dry:
        click.echo(dry_run(plan))
        return ExitCode.OK
    if not headless:
        return _run_tui(plan_ref, plan, db_path, speed=TUI_SPEED if speed is None else speed)
    with EventLog(db_path) as log:
        tty = sys.stdout.isatty()
        with HeadlessOutput(sys.stdout, as_json=as_json, tty=tty) as output:
            engine = _engine_for(log, plan, output.on_event, speed=speed or 0.0)
            code = engine.run(after_tick=output.tick, started=_say_resuming(engine))
        if not as_json:
            click.echo(summary_line(engine.projection))
        return code


TUI_SPEED = 60.0
"""Simulated seconds per real second in the TUI (the simulator only): a 30 s tick takes half a second."""


def _run_tui(plan_ref: str, plan: Plan, db_path: Path, *, speed: float) -> int:
    """Drive the rollout in the TUI; attach instead if another live engine holds its lease."""
    from rollout_tui.engine.lease import holder_gone
    from rollout_tui.tui.app import RolloutApp
    from rollout_tui.tui.screens.dialogs import QuitChoice

    with EventLog(db_path) as log:
        engine = _engine_for(log, plan, None, speed=speed, check_lease=False)
        rollout_id, resumed = engine.rollout_id, engine.projection.plan is not None
        held = engine.lease.current()
        engine.provider.close()

    def factory(log: EventLog) -> Engine:
        if resumed:
            return resume_rollout(log, rollout_id, speed=speed)
        return start_rollout(plan, log, rollout_id=rollout_id, speed=speed)

    driven = held is None or held[1] <= datetime.now(UTC) or holder_gone(held[0])
    if not driven:
        click.echo(f"rollout {rollout_id} is driven by {held[0]}: attaching to it", err=True)
    outcome = RolloutApp(db_path, rollout_id=rollout_id, engine_factory=factory if driven else None).run()
    if outcome is None:
        return ExitCode.INTERRUPTED
    if outcome.choice is QuitChoice.PAUSE:
        again = f"rollout-tui run {plan_ref}" + ("" if db_path == DEFAULT_DB else f" --db {db_path}")
        click.echo(f"rollout {rollout_id} paused; `{again}` picks it up again", err=True)
    if outcome.choice is not QuitChoice.HEADLESS:
        return outcome.code
    click.echo(f"rollout {rollout_id} goes on here, headless", err=True)
    with EventLog(db_path) as log, HeadlessOutput(sys.stdout, as_json=False, tty=sys.stdout.isatty()) as out:
        engine = resume_rollout(log, rollout_id, speed=speed)
        engine.on_event = out.on_event
        code = engine.run(after_tick=out.tick)
    click.echo(summary_line(engine.projection))
    return code


@cli.command()
@db_option
@rollout_option
def attach(db_path: Path, rollout_id: str | None) -> int:
    """Open the TUI on a rollout another terminal drives (or a finished one).

    Nothing is driven from here: the keys append operator commands that the driving engine answers.
    """
    from rollout_tui.tui.app import RolloutApp

    with EventLog(db_path, create=False) as log:
        rid = resolve_rollout(log, rollout_id)
    outcome = RolloutApp(db_path, rollout_id=rid).run()
    return ExitCode.INTERRUPTED if outcome is None else outcome.code


speed_option = click.option(
    "--speed",
    type=click.FloatRange(min=0),
    default=None,
    help=f"Simulator only: simulated seconds per real second (TUI {TUI_SPEED:g}; headless: flat out).",
)


@cli.command()
@click.argument("plan")
@db_option
@click.option("--headless", is_flag=True, help="Run without the TUI.")
@click.option("--json", "as_json", is_flag=True, help="With --headless: print each event as a JSON line.")
@click.option(
    "--dry-run", "dry", is_flag=True, help="Print the batches and budget it would use; touch nothing."
)
@speed_option
@click.option("--profile", help="AWS plans: the named profile to use (overrides the plan).")
@click.option("--region", help="AWS plans: the region to use (overrides the plan).")
def run(
    plan: str,
    db_path: Path,
    headless: bool,
    as_json: bool,
    dry: bool,
    speed: float | None,
    profile: str | None,
    region: str | None,
) -> int:
    """Run a rollout: PLAN is a TOML file or a built-in plan name.

    An unfinished rollout of the same plan in the log is resumed from where the log left off. Without
    --headless it opens the TUI; if another live engine drives the rollout, the TUI attaches to it.
    """
    return _run(
        plan,
        db_path,
        headless=headless,
        as_json=as_json,
        dry=dry,
        speed=speed,
        profile=profile,
        region=region,
    )


@cli.command()
@click.option("--headless", is_flag=True, help="Run without the TUI.")
@click.option("--json", "as_json", is_flag=True, help="With --headless: print each event as a JSON line.")
@speed_option
def demo(headless: bool, as_json: bool, speed: float | None) -> int:
    """Rehearse the outage on the simulator with the gate on (`outage-guarded`), in a new log under state/."""
    db_path = DEFAULT_DB.parent / f"demo-{datetime.now(UTC):%Y%m%d-%H%M%S}.db"
    click.echo(f"demo log: {db_path}", err=True)
    return _run("outage-guarded", db_path, headless=headless, as_json=as_json, dry=False, speed=speed)


def _command(name: str, help_text: str, needs_reason: bool = False) -> None:
    @cli.command(name=name, help=help_text)
    @db_option
    @rollout_option
    @click.option(
        "--reason",
        default="",
        help="Why (recorded with the command)." + (" Required." if needs_reason else ""),
    )
    def command(db_path: Path, rollout_id: str | None, reason: str) -> None:
        with EventLog(db_path, create=False) as log:
            event = send_command(log, name, rollout_id=rollout_id, reason=reason)
        click.echo(
            f"{event.type} recorded at seq {event.seq} for {event.rollout_id}; the engine answers next tick"
        )


_command("pause", "Pause the rollout: no boots, drains or terminations until resumed.")
_command("resume", "Resume a paused rollout.")
_command("abort", "Abort the rollout: the engine stops and leaves hosts as they are.")
_command("approve", "Approve a held gate so draining may go on.")
_command("override", "Open a blocked gate despite the signals; --reason is required.", needs_reason=True)
_command("step", "In manual mode, allow the next drain step.")
assert set(COMMANDS) == {"pause", "resume", "abort", "approve", "override", "step"}


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn every expected failure into one line on stderr and a documented exit code."""
    debug = bool(os.environ.get("ROLLOUT_TUI_DEBUG"))
    try:
        code = cli.main(args=argv, prog_name="rollout-tui", standalone_mode=False)
    except RolloutError as err:
        click.echo(f"rollout-tui: {err}", err=True)
        sys.exit(int(err.code))
    except ReplayError as err:  # a log whose events cannot have happened in this order
        message = f"illegal event in the event log at {err}; run `rollout-tui verify`"
        click.echo(f"rollout-tui: {message}", err=True)
        sys.exit(int(ExitCode.BAD_INPUT))
    except sqlite3.DatabaseError as err:
        # A log that goes bad under us: disk full, read-only, truncated. Appends are atomic, so the log
        # holds every event written before this one, and no provider action follows an unrecorded decision.
        click.echo(f"rollout-tui: the event log cannot be used: {err}", err=True)
        sys.exit(int(ExitCode.BAD_INPUT))
    except click.exceptions.Exit as exit_:
        sys.exit(exit_.exit_code)
    except click.ClickException as err:
        click.echo(f"rollout-tui: {err.format_message()} (see --help)", err=True)
        sys.exit(int(ExitCode.BAD_INPUT))
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("rollout-tui: interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except Exception as err:  # the promise is: never a traceback, unless asked for
        if debug:
            raise
        click.echo(
            f"rollout-tui: internal error: {type(err).__name__}: {err} (ROLLOUT_TUI_DEBUG=1 shows more)",
            err=True,
        )
        sys.exit(1)
    sys.exit(int(code or 0))
