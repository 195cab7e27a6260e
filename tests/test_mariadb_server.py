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

from pipeline.mariadb_server import FOLDER_PREFIX, find_binary, remove_orphaned_folders
from pipeline.mariadb_server import process_alive as alive

OWNER = """
import time
from pipeline.mariadb_server import throwaway_mariadb
with throwaway_mariadb(buffer_pool="64M") as server:
    print(server.datadir, flush=True)
    time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
@pytest.mark.skipif(find_binary("mariadbd", "mysqld") is None, reason="no mariadbd")
def test_killed_owner_stops_its_mariadb():
    """kill -9 of the process holding a throwaway MariaDB (a cancelled CI job, a killed benchmark):
    the server stops too, instead of serving on without an owner (it did before)."""
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True)
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
        # the folder stays behind; the next throwaway server (or this) removes it
        assert root.exists()
        assert root in remove_orphaned_folders(root.parent)
        assert not root.exists()
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


def test_orphan_cleanup_keeps_folders_in_use(tmp_path):
    """Only a folder whose owner and server are both gone is removed."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid = int(dead.stdout)
    owned = tmp_path / f"{FOLDER_PREFIX}owned"       # owner running (this process)
    serving = tmp_path / f"{FOLDER_PREFIX}serving"   # owner gone, server still up (this process)
    starting = tmp_path / f"{FOLDER_PREFIX}starting" # no owner.pid yet
    orphan = tmp_path / f"{FOLDER_PREFIX}orphan"
    other = tmp_path / "something-else"
    for folder in (owned, serving, starting, orphan, other):
        folder.mkdir()
    (owned / "owner.pid").write_text(f"{os.getpid()}\n")
    (serving / "owner.pid").write_text(f"{dead_pid}\n")
    (serving / "mariadb.pid").write_text(f"{os.getpid()}\n")
    (orphan / "owner.pid").write_text(f"{dead_pid}\n")
    (orphan / "mariadb.pid").write_text(f"{dead_pid}\n")
    (other / "owner.pid").write_text(f"{dead_pid}\n")
    assert remove_orphaned_folders(tmp_path) == [orphan]
    assert [p.name for p in sorted(tmp_path.iterdir())] == sorted(
        p.name for p in (owned, serving, starting, other))
