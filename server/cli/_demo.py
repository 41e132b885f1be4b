"""``driftwatch demo``: the whole product on embedded defaults, with real data in it.

Starts the server (SQLite + local storage in a data directory of its own, ``.driftwatch-demo/``
in the current directory: never your real one), seeds the ``demo`` project with a history that
contains a real regression, starts JupyterLab on ``notebooks/`` wired to the server, and prints
where to look. Ctrl-C stops all.

The history: the demo workload (``driftwatch_nb.demo_workload``) really runs, through the public
``driftwatch run`` command, at a series of fake commits (``--hash``); from one commit on its
``word_count`` does four times the work (``DRIFTWATCH_DEMO_SLOW=1``), so the detector raises an
alert and the benchmark's chart shows the change point. Later runs reuse the data directory, its
token and its history (delete ``.driftwatch-demo/`` to start over).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from driftwatch_nb.core.commands import abort, info

DEMO_PROJECT = "demo"
DEMO_BRANCH = "main"
DEMO_DATA_DIR = ".driftwatch-demo"
TOKEN_FILE = "demo-token"
# The seeded history: BASELINE commits, then SLOW commits with the planted regression. The
# detector alerts once a series has 20 points with 3 at the new level; the chart's offline
# detection wants 5 on each side of a change point. 20 baseline commits make every slow commit
# from the third on a chance to confirm the alert (six chances, not two), so a machine busy
# enough to blur one or two runs cannot leave it SUSPECTED.
BASELINE_COMMITS = 20
SLOW_COMMITS = 8
# A small workload, timed with few loops: each commit takes about a second (most of it
# starting Python). The fastest of 15 repeats: a busy machine slows repeats down, never
# speeds them up, and with 15 of them one is very likely to run undisturbed.
WORKLOAD_ARGS = [
    "--repeat", "15", "--number", "2", "--records", "400", "--profile-runs", "5",
    "--statistic", "min",
]  # fmt: skip


def register(commands: Any) -> None:
    """Add ``demo`` to the top-level parser."""
    demo = commands.add_parser(
        "demo",
        help="run the server, JupyterLab and a real demo report on embedded defaults",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--port", type=int, help="server port (default: DRIFTWATCH_PORT or 8787)")
    demo.add_argument("--jupyter-port", type=int, default=8888, help="JupyterLab port (8888)")
    demo.add_argument("--no-jupyter", action="store_true", help="do not start JupyterLab")
    demo.add_argument(
        "--data-dir",
        type=Path,
        help=f"the demo's own data directory (default: ./{DEMO_DATA_DIR})",
    )
    demo.add_argument(
        "--exit-after-seed",
        action="store_true",
        help="stop once the demo report is posted (for scripted checks)",
    )
    demo.set_defaults(handler=_demo)


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def _demo(args: argparse.Namespace) -> int:
    from driftwatch_server.cli._server import _prepared_engine, _server_modules

    config, db, _ = _server_modules()
    data_dir = (args.data_dir or Path.cwd() / DEMO_DATA_DIR).resolve()
    # Its own data directory and database, whatever DRIFTWATCH_DATA_DIR/DATABASE_URL say: the
    # demo never writes into the user's real data.
    overrides: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": f"sqlite:///{data_dir / 'driftwatch.db'}",
        "storage_backend": "local",
    }
    if args.port:
        overrides["port"] = args.port
    settings = config.Settings(**overrides)
    if not _port_free(settings.host, settings.port):
        abort(
            f"port {settings.port} on {settings.host} is in use (another driftwatch?); "
            "stop it or pass --port"
        )
    engine = _prepared_engine(settings)
    token = _demo_token(engine, db, data_dir / TOKEN_FILE)
    engine.dispose()

    server = _start_server(settings)
    url = settings.resolved_public_url
    env = {
        **os.environ,
        "DRIFTWATCH_URL": url,
        "DRIFTWATCH_TOKEN": token,
        "DRIFTWATCH_DATA_DIR": str(data_dir),
    }
    env.pop("DRIFTWATCH_DEMO_SLOW", None)
    # `kill PID` (SIGTERM) stops the demo like Ctrl-C: JupyterLab and the server go with it
    # instead of JupyterLab lingering as an orphan on its port.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _seed(url, token, env, workdir=data_dir / "seed")
        jupyter, jupyter_url = (None, None)
        if not args.no_jupyter and not args.exit_after_seed:
            jupyter, jupyter_url = _start_jupyter(env, args.jupyter_port)
            _wait_for_jupyter(jupyter, jupyter_url)
        _print_where_to_look(url, token, jupyter_url, data_dir=settings.data_dir)
        if args.exit_after_seed:
            return 0
        try:
            while True:
                time.sleep(1)
                if jupyter is not None and jupyter.poll() is not None:
                    abort(f"JupyterLab stopped (exit code {jupyter.returncode})")
        except KeyboardInterrupt:
            waits = "JupyterLab and the server" if jupyter is not None else "the server"
            info(f"\nstopping {waits} (at most {STOP_SECONDS:.0f} s)…")
        finally:
            if jupyter is not None and jupyter.poll() is None:
                # SIGTERM: JupyterLab shuts down without asking; SIGKILL if it lingers.
                jupyter.terminate()
                try:
                    jupyter.wait(timeout=STOP_SECONDS / 2)
                except subprocess.TimeoutExpired:
                    jupyter.kill()
                    jupyter.wait()
    finally:
        server.should_exit = True
        thread = getattr(server, "driftwatch_thread", None)
        if thread is not None:
            thread.join(timeout=STOP_SECONDS / 2)
    return 0


STOP_SECONDS = 2.0
"""Ctrl-C stops the demo within this long (JupyterLab, then the server)."""


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _start_server(settings: Any) -> Any:
    from driftwatch_server.app import create_app, serve_in_thread

    try:
        server, thread = serve_in_thread(
            create_app(settings), host=settings.host, port=settings.port
        )
    except RuntimeError as exc:
        abort(f"{exc}; see the messages above")
    server.driftwatch_thread = thread
    return server


def _demo_token(engine: Any, db: Any, token_file: Path) -> str:
    """The demo's API token: the one kept in the data directory when it is still valid, else a
    new one for ``admin`` (written there, mode 0600)."""
    from driftwatch_server.auth import ensure_admin, issue_token, user_for_token, user_named

    with db.session_scope(engine) as session:
        if token_file.is_file():
            kept = token_file.read_text().strip()
            if kept and user_for_token(session, kept) is not None:
                return kept
        ensure_admin(session)
        admin = user_named(session, "admin")
        assert admin is not None  # ensure_admin made it, or it was there
        token = issue_token(session, user=admin, label="driftwatch demo")
    token_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return token


def _fake_commit(index: int) -> str:
    return hashlib.sha1(f"driftwatch demo commit {index}".encode()).hexdigest()


def _has_reports(url: str, token: str) -> bool:
    import httpx

    query = 'query { project(slug: "demo") { reports(first: 1) { totalCount } } }'
    response = httpx.post(
        f"{url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    project = (response.json().get("data") or {}).get("project")
    return bool(project and project["reports"]["totalCount"])


def _seed(url: str, token: str, env: dict[str, str], *, workdir: Path) -> None:
    """Create the demo project and post its history through the public ``driftwatch`` command,
    as a user would: the demo workload at BASELINE_COMMITS fake commits, then at SLOW_COMMITS
    with the planted ``word_count`` regression, each with a real profile."""
    # An existing project (an earlier demo) is fine.
    subprocess.run(
        [sys.executable, "-m", "driftwatch_nb.cli", "projects", "create", DEMO_PROJECT,
         "--name", "Demo"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    if _has_reports(url, token):
        info(f"the demo project already has its history (delete {workdir.parent} to reseed)")
        return
    workdir.mkdir(parents=True, exist_ok=True)
    total = BASELINE_COMMITS + SLOW_COMMITS
    info(
        f"seeding: the demo workload at {total} fake commits through `driftwatch run`; "
        f"word_count gets 4x slower at commit {BASELINE_COMMITS + 1}"
    )
    started = time.monotonic()
    for index in range(total):
        slow = index >= BASELINE_COMMITS
        profile = workdir / f"demo-pipeline-{index:02d}.svg"
        command = [
            sys.executable, "-m", "driftwatch_nb.cli", "run",
            "-p", DEMO_PROJECT, "-b", DEMO_BRANCH, "--testbed", "demo-machine",
            "--hash", _fake_commit(index), "--flamegraph", str(profile), "--quiet",
            "--", sys.executable, "-m", "driftwatch_nb.demo_workload", *WORKLOAD_ARGS,
            "--profile", str(profile),
        ]  # fmt: skip
        run_env = {**env, "DRIFTWATCH_DEMO_SLOW": "1"} if slow else env
        result = subprocess.run(
            command, env=run_env, stdout=subprocess.DEVNULL, stderr=sys.stderr, check=False
        )
        if result.returncode != 0:
            abort(f"seeding demo commit {index + 1} failed (exit code {result.returncode})")
        info(
            f"  commit {index + 1:>2}/{total} {_fake_commit(index)[:10]}"
            + ("  (word_count 4x slower)" if slow else "")
        )
    info(f"seeded in {time.monotonic() - started:.0f} s")


def _start_jupyter(env: dict[str, str], port: int) -> tuple[subprocess.Popen[bytes], str]:
    notebooks = Path.cwd() / "notebooks"
    root = notebooks if notebooks.is_dir() else Path.cwd()
    jupyter_token = secrets.token_urlsafe(16)
    jupyter_env = {**env, "DRIFTWATCH_PROJECT": DEMO_PROJECT, "DRIFTWATCH_BRANCH": DEMO_BRANCH}
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        f"--port={port}", "--ip=127.0.0.1", f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={jupyter_token}", "--allow-root",
    ]  # fmt: skip
    try:
        # A session of its own: Ctrl-C in the terminal reaches only the demo, which stops
        # JupyterLab with SIGTERM (on SIGINT JupyterLab asks "Shutdown?" and waits 5 s).
        process = subprocess.Popen(
            command,
            env=jupyter_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        abort(f"cannot start JupyterLab ({exc}); install it with: pip install jupyterlab")
    url = f"http://127.0.0.1:{port}/lab?token={jupyter_token}"
    return process, url


JUPYTER_START_TIMEOUT = 180.0


def _wait_for_jupyter(process: subprocess.Popen[bytes], url: str) -> None:
    """Return once JupyterLab answers its URL, so the URL printed next works when clicked."""
    import httpx

    info("starting JupyterLab (its URL is printed once it answers)…")
    deadline = time.monotonic() + JUPYTER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            abort(f"JupyterLab stopped while starting (exit code {process.returncode})")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    info(
        f"JupyterLab is not answering after {JUPYTER_START_TIMEOUT:.0f} s; its URL may not work yet"
    )


def _print_where_to_look(url: str, token: str, jupyter_url: str | None, *, data_dir: Path) -> None:
    lines = [
        "",
        "driftwatch demo is running",
        f"  dashboard   {url}/workspaces/{DEMO_PROJECT}   (sign in with the token below)",
        f"  alerts      {url}/workspaces/{DEMO_PROJECT}/alerts",
        f"  regression  {url}/workspaces/{DEMO_PROJECT}/benchmarks/demo.word_count",
        f"  GraphQL     {url}/graphql",
        f"  token       {token}",
    ]
    if jupyter_url:
        lines.append(f"  JupyterLab  {jupyter_url}")
    lines += [
        f"  data        {data_dir}",
        "",
        "try:",
        f"  export DRIFTWATCH_URL={url} DRIFTWATCH_TOKEN={token}",
        f"  driftwatch reports -p {DEMO_PROJECT}",
        "",
        "Ctrl-C stops everything.",
    ]
    info("\n".join(lines))
