"""The throwaway MariaDB of tests and benchmarks stops with the process that started it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.mariadb_server import find_binary
from pipeline.project import PROJECT_ROOT

OWNER = """
import time
from pipeline.mariadb_server import throwaway_mariadb
with throwaway_mariadb(buffer_pool="64M") as server:
    print(server.datadir, flush=True)
    time.sleep(600)
"""


def alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
@pytest.mark.skipif(find_binary("mariadbd", "mysqld") is None, reason="no mariadbd")
def test_killed_owner_stops_its_mariadb():
    """kill -9 of the process holding a throwaway MariaDB (a cancelled CI job, a killed benchmark):
    the server stops too, instead of serving on without an owner (it did before)."""
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "python_jobs")})
    root = None
    try:
        datadir = Path(owner.stdout.readline().strip())
        assert datadir.name == "data", f"the owner did not start a server: {datadir!r}"
        root = datadir.parent
        pid = int((root / "mariadb.pid").read_text())
        assert alive(pid)
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and alive(pid):
            time.sleep(0.2)
        assert not alive(pid), f"mariadbd {pid} outlived its owner"
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
