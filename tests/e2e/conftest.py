"""Fixtures for end-to-end runs: a moto server subprocess on 127.0.0.1 and fake AWS credentials.

Nothing here talks to anything but 127.0.0.1, and the credentials are fake: the secret access key is a
marker the tests look for in every output, to prove it is never printed or logged.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

REGION = "us-east-1"
"""The region every client and plan uses."""
ACCESS_KEY_ID = "AKIATESTINGTESTING00"
"""A fake access key id (moto accepts any)."""
SECRET = "testing-secret-never-shown-e2e"
"""The fake secret access key: no output, stderr line or byte of the event log may contain it."""
SERVER_START_TIMEOUT = 30.0
"""Seconds the moto server may take to answer its first request."""
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass(frozen=True)
class MotoServer:
    """A running moto server."""

    endpoint_url: str
    """`http://127.0.0.1:PORT`."""
    process: subprocess.Popen[bytes]
    """The server process (terminated by the fixture)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def aws_environment(base: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """`base` without any AWS settings or proxies, plus fake credentials and no shared config files.

    The shared config and credentials files point at paths that do not exist, so no real profile on the
    machine can be picked up; instance metadata is off so botocore never probes 169.254.169.254.
    """
    env = {
        key: value
        for key, value in base.items()
        if not key.startswith("AWS_") and key not in _PROXY_VARIABLES and key != "ROLLOUT_TUI_DB"
    }
    env.update(
        {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            # moto: do not load its catalogue of default AMIs (seconds of start-up per EC2 backend).
            "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
        }
    )
    return env


def _answers(url: str) -> bool:
    """True once the server answers HTTP at `url` (any status), without going through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=1.0):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """This process's boto3 clients see only the fake credentials, no shared config and no proxy."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name in _PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
    for name, value in aws_environment({}, tmp_path).items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def moto_server(tmp_path: Path) -> Iterator[MotoServer]:
    """A moto server on a free port of 127.0.0.1, up and answering; terminated afterwards."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "moto-server.log"
    with log_path.open("wb") as server_log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=server_log,
            stderr=subprocess.STDOUT,
            env=aws_environment(dict(os.environ), tmp_path),
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _answers(f"{endpoint}/moto-api/"):
            if time.monotonic() > deadline:
                pytest.fail(f"moto server did not answer within {SERVER_START_TIMEOUT:g}s")
            try:
                # Doubles as the poll interval: returns early only if the server died.
                code = process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"moto server exited with {code}: {log_path.read_text(errors='replace')[-2000:]}")
        yield MotoServer(endpoint, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def aws_session() -> boto3.Session:
    """A boto3 session with the fake credentials, for setting up and inspecting the moto server."""
    return boto3.Session(aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET, region_name=REGION)
