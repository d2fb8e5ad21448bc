"""Operator commands sent from another process while an engine appends flat out are never lost: each one is
in the log and gets exactly one answer carrying its `command_seq`."""

from __future__ import annotations

import re
import subprocess
from importlib import resources
from pathlib import Path

from rollout_tui.domain.events import EventType
from rollout_tui.errors import ExitCode
from tests.reliability.harness import (
    DEADLINE_SECONDS,
    PYTHON,
    CliProcess,
    LogFacts,
    assert_verify_clean,
    cli_env,
)

PAIRS = 50
"""pause/resume pairs sent (then one abort): 101 commands."""

SENDER = """\
import contextlib, io, sys
from rollout_tui import cli

db, pairs = sys.argv[1], int(sys.argv[2])
commands = [(name, f"{name} {i}") for i in range(pairs) for name in ("pause", "resume")]
for name, reason in [*commands, ("abort", "enough")]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main([name, "--reason", reason, "--db", db])
        except SystemExit as exit_:
            code = exit_.code
    print(name, repr(reason), code, out.getvalue().strip() or err.getvalue().strip(), flush=True)
"""
"""A second process that sends the commands one after another through the CLI, as fast as it can."""

ANSWERS = {
    EventType.OPERATOR_PAUSED: {EventType.ROLLOUT_PAUSED, EventType.COMMAND_REJECTED},
    EventType.OPERATOR_RESUMED: {EventType.ROLLOUT_RESUMED, EventType.COMMAND_REJECTED},
    EventType.OPERATOR_ABORTED: {EventType.ROLLOUT_ABORTED},
}


def manual_calm_plan(folder: Path) -> Path:
    """The calm plan in manual mode: it cannot finish without `step`, so every command lands while it runs."""
    text = (resources.files("rollout_tui") / "plans" / "calm.toml").read_text("utf-8")
    text = text.replace('name = "calm"', 'name = "calm-manual"')
    text = text.replace(
        "tick_seconds = 30", 'tick_seconds = 30\nmode = "manual"\nmax_duration_seconds = 604800'
    )
    path = folder / "calm-manual.toml"
    path.write_text(text, "utf-8")
    return path


def test_commands_from_another_process_during_heavy_appends_are_all_recorded_and_answered(
    tmp_path: Path,
) -> None:
    db = tmp_path / "rollout.db"
    plan = manual_calm_plan(tmp_path)
    sender_script = tmp_path / "sender.py"
    sender_script.write_text(SENDER, "utf-8")
    with CliProcess("run", str(plan), "--headless", "--json", "--db", str(db), cwd=tmp_path) as engine:
        events = engine.events()
        next(event for event in events if event["type"] == EventType.ROLLOUT_STARTED)
        sent = subprocess.run(
            [PYTHON, str(sender_script), str(db), str(PAIRS)],
            cwd=tmp_path,
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=DEADLINE_SECONDS,
        )
        outcome = engine.wait()
    assert sent.returncode == 0, sent.stderr
    assert outcome.code == ExitCode.ABORTED, outcome.stderr

    lines = sent.stdout.splitlines()
    assert len(lines) == 2 * PAIRS + 1, sent.stdout
    recorded = {}
    for line in lines:
        name, reason, code, message = re.match(r"(\w+) '([^']*)' (\S+) (.*)", line).groups()  # type: ignore[union-attr]
        assert code in ("None", "0"), f"{name} {reason!r} was refused: {message}"
        recorded[int(re.search(r"at seq (\d+)", message).group(1))] = reason  # type: ignore[union-attr]

    assert_verify_clean(db)
    facts = LogFacts.read(db)
    commands = {row[0]: row for row in facts.of(*ANSWERS)}
    assert sorted(commands) == sorted(recorded), "commands missing from the log (or extra ones)"
    assert {seq: row[4].get("reason") for seq, row in commands.items()} == recorded
    answers: dict[int, list[str]] = {}
    for seq, type_, _, _, data in facts.types:
        if "command_seq" in data:
            assert data["command_seq"] < seq
            answers.setdefault(data["command_seq"], []).append(type_)
    unanswered = sorted(set(commands) - set(answers))
    assert not unanswered, f"commands never answered: {unanswered}"
    for seq, row in commands.items():
        assert len(answers[seq]) == 1, f"command at seq {seq} answered {answers[seq]}"
        assert answers[seq][0] in ANSWERS[row[1]], f"{row[1]} at seq {seq} answered with {answers[seq]}"
    assert facts.last_seq > 5 * len(commands), "the engine appended far more than the commands meanwhile"
