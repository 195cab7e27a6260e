"""A throwaway MariaDB server for tests and benchmarks: temporary datadir, free port, removed after.

    with throwaway_mariadb() as server:
        os.environ.update(server.env())   # MARIADB_HOST/PORT/USER/PASSWORD for profiles.yml

Run as a module to keep one up by hand: ``python -m pipeline.mariadb_server``.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import JobFailed
from .processes import die_with_parent

log = logging.getLogger(__name__)

SEARCH_PATH = [*os.environ.get("PATH", "").split(os.pathsep), "/usr/sbin", "/usr/local/sbin", "/usr/bin"]


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    datadir: Path

    def env(self, database: str = "crypto") -> dict[str, str]:
        """Environment variables read by profiles.example.yml's mariadb target."""
        return {"MARIADB_HOST": self.host, "MARIADB_PORT": str(self.port), "MARIADB_USER": self.user,
                "MARIADB_PASSWORD": self.password, "MARIADB_DATABASE": database}


def find_binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name, path=os.pathsep.join(SEARCH_PATH))
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(port: int, process: subprocess.Popen, log_file: Path, timeout: float) -> None:
    import pymysql

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise JobFailed(f"mariadbd exited with {process.returncode}: {log_file.read_text()[-2000:]}")
        try:
            pymysql.connect(host="127.0.0.1", port=port, user="dbt", password="dbt").close()
            return
        except pymysql.err.OperationalError as exc:
            last_error = exc
            time.sleep(0.2)
    raise JobFailed(f"mariadbd did not accept connections within {timeout:.0f} s: {last_error}")


FOLDER_PREFIX = "throwaway-mariadb-"


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return True
    return True


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def remove_orphaned_folders(parent: Path | None = None) -> list[Path]:
    """Delete the folders of throwaway servers whose owner and server are both gone.

    An owner killed by a signal skips its cleanup; its server stops with it (PR_SET_PDEATHSIG) but
    the folder stays. Each folder names its owner in `owner.pid`: a folder is removed only when
    that process and the server of `mariadb.pid` no longer run. Folders without `owner.pid` (being
    created right now) are left alone. Returns the folders removed.
    """
    removed = []
    for root in sorted(Path(parent or tempfile.gettempdir()).glob(FOLDER_PREFIX + "*")):
        owner = _pid_in(root / "owner.pid")
        if owner is None or process_alive(owner):
            continue
        server = _pid_in(root / "mariadb.pid")
        if server is not None and process_alive(server):
            continue
        shutil.rmtree(root, ignore_errors=True)
        log.info("removed %s, left by process %d", root, owner)
        removed.append(root)
    return removed


@contextmanager
def throwaway_mariadb(*, buffer_pool: str = "1G", timeout: float = 60.0) -> Iterator[Server]:
    """Start a private mariadbd on 127.0.0.1 and a free port; stop it and delete its files after.

    On Linux the server also stops if the thread that started it ends without the cleanup (the
    process killed by a signal): call this from a thread that lives as long as the server is used.
    A killed owner leaves the temporary folder behind; the next throwaway server removes it.
    """
    mariadbd = find_binary("mariadbd", "mysqld")
    install_db = find_binary("mariadb-install-db", "mysql_install_db")
    if not mariadbd or not install_db:
        raise JobFailed("mariadbd not found: install Debian's mariadb-server (bash .ci/ensure-mariadb) "
                        "or point MARIADB_HOST/MARIADB_PORT at a server")
    remove_orphaned_folders()
    root = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
    (root / "owner.pid").write_text(f"{os.getpid()}\n")
    datadir, port = root / "data", free_port()
    user_flag = ["--user=root"] if os.geteuid() == 0 else []
    init = root / "init.sql"
    init.write_text(
        "create user if not exists 'dbt'@'%' identified by 'dbt';\n"
        "create user if not exists 'dbt'@'localhost' identified by 'dbt';\n"
        "grant all on *.* to 'dbt'@'%' with grant option;\n"
        "grant all on *.* to 'dbt'@'localhost' with grant option;\n")
    process = None
    try:
        subprocess.run(
            [install_db, "--no-defaults", f"--datadir={datadir}", "--auth-root-authentication-method=normal",
             "--skip-test-db", *user_flag],
            check=True, capture_output=True, text=True)
        log_file = root / "server.log"
        owner = os.getpid()
        with open(log_file, "w") as handle:
            # the server stops when this process dies, even by a signal that skips the cleanup below
            process = subprocess.Popen(
                [mariadbd, "--no-defaults", f"--datadir={datadir}", f"--port={port}", "--bind-address=127.0.0.1",
                 f"--socket={root / 'mariadb.sock'}", f"--pid-file={root / 'mariadb.pid'}",
                 f"--init-file={init}", "--skip-log-bin", "--local-infile=1",
                 f"--innodb-buffer-pool-size={buffer_pool}", "--innodb-log-file-size=512M",
                 "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin", *user_flag],
                stdout=handle, stderr=subprocess.STDOUT, preexec_fn=lambda: die_with_parent(owner))
        _wait_until_up(port, process, log_file, timeout)
        log.info("throwaway MariaDB up on 127.0.0.1:%d (datadir %s)", port, datadir)
        yield Server(host="127.0.0.1", port=port, user="dbt", password="dbt", datadir=datadir)
    except subprocess.CalledProcessError as exc:
        raise JobFailed(f"mariadb-install-db failed: {exc.stderr[-2000:]}") from exc
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)


def configured_server_env() -> dict[str, str] | None:
    """MARIADB_* settings when the user points at their own server, else None."""
    if os.environ.get("MARIADB_HOST"):
        return {k: v for k, v in os.environ.items() if k.startswith("MARIADB_")}
    return None


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with throwaway_mariadb() as server:
        print(" ".join(f"export {k}={v}" for k, v in server.env().items()), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
