"""Credentials never leave the credential chain: not into the log, the output, or what the TUI shows."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import boto3

from rollout_tui.tui.app import RolloutApp
from tests.aws.fixtures import create_fleets
from tests.e2e.conftest import SECRET, MotoServer, aws_environment
from tests.e2e.test_aws_rollout import plan_text


def test_an_aws_rollout_leaves_the_secret_key_out_of_log_output_and_screenshot(
    moto_server: MotoServer, aws_session: boto3.Session, tmp_path: Path
) -> None:
    endpoint = moto_server.endpoint_url
    fleets = create_fleets(aws_session, endpoint_url=endpoint, old_size=2)
    plan = tmp_path / "plan.toml"
    plan.write_text(
        plan_text(fleets, endpoint).replace("target_size = 4", "target_size = 2"), encoding="utf-8"
    )
    db = tmp_path / "rollout.db"
    done = subprocess.run(
        [sys.executable, "-m", "rollout_tui", "run", str(plan), "--headless", "--json", "--db", str(db)],
        capture_output=True,
        text=True,
        env=aws_environment(dict(os.environ), tmp_path),
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"type":"RolloutCompleted"' in done.stdout

    async def screenshot() -> str:
        app = RolloutApp(db, poll_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            return app.export_screenshot()

    svg = asyncio.run(screenshot())
    assert "e2e-aws" in svg, "the screenshot shows the rollout"
    logged = b"".join(p.read_bytes() for p in tmp_path.glob("rollout.db*"))
    for place, text in (("stdout", done.stdout), ("stderr", done.stderr), ("screenshot", svg)):
        assert SECRET not in text, f"the secret key is in the {place}"
    assert SECRET.encode() not in logged
