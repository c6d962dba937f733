"""Run the whole product: the Rasa server and this app, healthy together, stopped together.

``python -m api.manage run`` (what ``make run`` calls). Without a trained Rasa model the app
still starts, answering in its direct (degraded) mode.

Secrets travel in environments only, never on a command line: Rasa is started through
bot/serve.py, which reads its JWT secret (``DXE_RASA_JWT_SECRET``) from the environment;
the action endpoint's token (``DXE_RASA_TOKEN``) is expanded by bot/endpoints.yml. In
development both are random per run unless set; ``DXE_ENV=production`` requires them.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from api.dialogue.rasa_pool import dialogue_urls
from hotline.settings import PROJECT_ROOT, Settings

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = RASA_BIN.with_name("python")
RASA_LAUNCHER = "bot.serve"  # run as ``python -m bot.serve`` from the repo root
RASA_MODEL = PROJECT_ROOT / "var" / "rasa" / "models" / "dianxiaoer.tar.gz"
START_TIMEOUT_SECONDS = 240


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now, below the kernel's ephemeral range.

    A port the kernel hands out for ``bind(0)`` comes from the range it also uses for the
    source ports of outgoing connections, so a server that binds it seconds later (Rasa loads
    for a while first) can find it taken by a client socket. Ports below that range are only
    ever taken by listeners.
    """
    low = _ephemeral_range()[0]
    candidates = [port for port in range(max(1024, low - 12000), low) if port not in _HANDED_OUT]
    random.shuffle(candidates)
    for port in candidates[:200]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)  # not twice in one process: two servers may not bind it yet
        return port
    with socket.socket() as sock:  # a crowded machine: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


@contextmanager
def serve_in_thread(app: Any, port: int, timeout: float = 120) -> Iterator[None]:
    """Serve ``app`` with uvicorn on 127.0.0.1:``port`` in a daemon thread for the block
    (the tests' and the bench's stacks); raises RuntimeError if it does not start."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not server.started:
            raise RuntimeError(f"the app did not start on port {port}")
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=30)


DEFAULT_ENDPOINTS = PROJECT_ROOT / "bot" / "endpoints.yml"
REPLICA_ENDPOINTS = PROJECT_ROOT / "bot" / "endpoints.replicas.yml"  # PostgreSQL + Redis

# What bot/endpoints.replicas.yml reads when the environment does not say otherwise: a
# PostgreSQL tracker store and a Redis lock store on this machine (README.md, "Several
# Rasa replicas"). Ignored by the default bot/endpoints.yml.
REPLICA_DEFAULTS: dict[str, str] = {
    "DXE_RASA_TRACKER_HOST": "127.0.0.1", "DXE_RASA_TRACKER_PORT": "5432",
    "DXE_RASA_TRACKER_DATABASE": "dianxiaoer_rasa", "DXE_RASA_TRACKER_USER": "postgres",
    "DXE_RASA_TRACKER_PASSWORD": "", "DXE_RASA_TRACKER_LOGIN_DB": "postgres",
    "DXE_RASA_LOCK_HOST": "127.0.0.1", "DXE_RASA_LOCK_PORT": "6379", "DXE_RASA_LOCK_DB": "1",
    "DXE_RASA_LOCK_PASSWORD": "", "DXE_RASA_LOCK_PREFIX": "dianxiaoer",
}


def rasa_command(model: Path, port: int, endpoints: Path = DEFAULT_ENDPOINTS) -> list[str]:
    """The command line of the Rasa server (REST channel, HTTP API with JWT auth): no secret
    in it, bot/serve.py adds ``--jwt-secret`` from the environment in-process.

    ``endpoints`` is the endpoints file (``DXE_RASA_ENDPOINTS``); a relative path is taken
    from the repo root, where Rasa runs.
    """
    endpoints = endpoints if endpoints.is_absolute() else PROJECT_ROOT / endpoints
    return [str(RASA_PYTHON), "-m", RASA_LAUNCHER, "--model", str(model),
            "--endpoints", str(endpoints), "--credentials", "bot/credentials.yml",
            "--enable-api", "--interface", "127.0.0.1", "--port", str(port)]


def with_run_secrets(settings: Settings) -> Settings:
    """``settings`` with a fresh random action token and JWT secret where unset (a run's
    own, in development; production has them set, :func:`run_stack` checks first)."""
    return settings.model_copy(update={
        "RASA_TOKEN": settings.RASA_TOKEN or secrets.token_urlsafe(32),
        "RASA_JWT_SECRET": settings.RASA_JWT_SECRET or secrets.token_urlsafe(32)})


def rasa_visible(name: str) -> bool:
    """Whether an environment variable of ours goes to Rasa too: its own (``DXE_RASA_*``,
    ``DXE_ACTION_URL``) do, the app's other settings and secrets (``DXE_SESSION_SECRET``,
    ``DXE_DATABASE_URL``, ``WECHAT_*``, …) do not."""
    if name.startswith("WECHAT_"):
        return False
    return not name.startswith("DXE_") or name.startswith("DXE_RASA_") \
        or name == "DXE_ACTION_URL"


def rasa_environment(settings: Settings, tracker_db: Path) -> dict[str, str]:
    """Environment for Rasa: its secrets, where our actions are, where its tracker store is.

    The secrets are ``settings.RASA_TOKEN`` (the action endpoint's bearer token,
    bot/endpoints.yml) and ``settings.RASA_JWT_SECRET`` (bot/serve.py); both must be set
    (:func:`with_run_secrets`). ``tracker_db`` is the SQLite file of bot/endpoints.yml; the
    PostgreSQL and Redis settings of bot/endpoints.replicas.yml come from the environment,
    else :data:`REPLICA_DEFAULTS`; the app's other variables are left out
    (:func:`rasa_visible`). ``PYTHONPATH`` starts with the repo root, so the launcher and
    the model's custom NLU components (``bot.*``) import wherever Rasa runs.
    """
    if not (settings.RASA_TOKEN and settings.RASA_JWT_SECRET):
        raise ValueError("Rasa needs DXE_RASA_TOKEN and DXE_RASA_JWT_SECRET")
    pythonpath = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH"))
                                 if p)
    inherited = {name: value for name, value in os.environ.items() if rasa_visible(name)}
    return {**REPLICA_DEFAULTS, **inherited, "DXE_RASA_TOKEN": settings.RASA_TOKEN,
            "DXE_RASA_JWT_SECRET": settings.RASA_JWT_SECRET, "PYTHONPATH": pythonpath,
            "DXE_ACTION_URL": f"http://{settings.HOST}:{settings.PORT}/webhook/actions",
            "DXE_RASA_TRACKER_DB": str(tracker_db),
            "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> bool:  # type: ignore[type-arg]
    """Poll a URL until it answers 200, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def log_tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file, for an error message ('' if unreadable)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(process: subprocess.Popen | None) -> None:  # type: ignore[type-arg]
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def model_to_serve(settings: Settings, base: Path = RASA_MODEL) -> Path:
    """The Rasa model a (re)start serves: the directory editor's last successful retrain
    when it is newer than the one ``make setup`` trained (so a restart keeps the admin's
    aliases), else that one."""
    from sqlalchemy.exc import SQLAlchemyError

    from hotline.db import make_engine, make_session_factory
    from hotline.directory.training import TrainingJobs

    engine = make_engine(settings.DATABASE_URL)
    try:  # read only: the app migrates at its own start (a new database has no retrain yet)
        retrained = TrainingJobs(make_session_factory(engine)).latest_model()
    except SQLAlchemyError:
        retrained = None
    finally:
        engine.dispose()
    if retrained is None:
        return base
    candidate = Path(retrained)
    if not base.exists() or candidate.stat().st_mtime > base.stat().st_mtime:
        return candidate
    return base


def run_stack(settings: Settings) -> int:
    """Start Rasa (if built) and the app, wait for both, and stop both on Ctrl-C.

    With ``DXE_ENV=production`` nothing starts unless every secret is set and strong
    (hotline/security/production.py); in development missing Rasa secrets are generated.
    """
    from hotline.security.production import ProductionSettingsError, enforce_production

    try:
        enforce_production(settings)
    except ProductionSettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    settings = with_run_secrets(settings)
    urls = dialogue_urls(settings.RASA_URL)
    port = int(urls[0].rsplit(":", 1)[-1].split("/")[0]) if urls else 0
    env = rasa_environment(settings, PROJECT_ROOT / "var" / "rasa" / "tracker.db")
    rasa = None
    model = model_to_serve(settings)
    if len(urls) > 1:  # replicas (deploy/compose.yml) are started by their own supervisor
        print(f"dialogue servers: {', '.join(urls)} (not started here)")
    elif urls and RASA_BIN.exists() and model.exists():
        print(f"dialogue model: {model}")
        rasa = subprocess.Popen(rasa_command(model, port, settings.RASA_ENDPOINTS),
                                cwd=PROJECT_ROOT, env=env)
    else:
        print("dialogue server not built (run `make setup`); the app answers in direct mode")
    # the app: its whole environment and both Rasa secrets, whether generated or set
    app_env = {**os.environ, "DXE_RASA_TOKEN": env["DXE_RASA_TOKEN"],
               "DXE_RASA_JWT_SECRET": env["DXE_RASA_JWT_SECRET"]}
    app = subprocess.Popen([sys.executable, "-m", "api.manage", "serve"], cwd=PROJECT_ROOT,
                           env=app_env)

    def shutdown(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    try:
        api_url = f"http://{settings.HOST}:{settings.PORT}/api/health"
        if not wait_until_healthy(api_url, app, START_TIMEOUT_SECONDS):
            print("the app did not become healthy", file=sys.stderr)
            return 1
        if rasa is not None:
            if wait_until_healthy(f"{urls[0]}/", rasa, START_TIMEOUT_SECONDS):
                print(f"dialogue server ready on {urls[0]}")
            else:
                print("the dialogue server did not start; answering in direct mode",
                      file=sys.stderr)
        print(f"店小二 is ready: http://{settings.HOST}:{settings.PORT} (Ctrl-C stops everything)")
        return app.wait()
    except KeyboardInterrupt:
        print("stopping…")
        return 0
    finally:
        _stop(app)
        _stop(rasa)


@dataclass(frozen=True, slots=True)
class RunningStack:
    """Where a :func:`dialogue_stack` serves, and the settings it runs with."""

    app_url: str
    rasa_url: str  # the first Rasa server (the only one unless replicas were asked for)
    settings: Settings
    rasa: subprocess.Popen  # type: ignore[type-arg]
    rasa_urls: tuple[str, ...] = ()
    rasa_processes: tuple[subprocess.Popen, ...] = ()  # type: ignore[type-arg]


@contextmanager
def dialogue_stack(settings: Settings, workdir: Path, token: str, runtime: Any = None,
                   rasa_timeout: float = 30.0, rasa_replicas: int = 1,
                   shared_stores: dict[str, str] | None = None,
                   model: Path = RASA_MODEL) -> Iterator[RunningStack]:
    """The app in a uvicorn thread and real Rasa servers (bot/serve.py) as subprocesses, on
    free ports.

    Used by the tests, ``make eval`` and ``make bench``. ``token`` is the action endpoint's;
    the JWT secret of Rasa's HTTP API is ``settings.RASA_JWT_SECRET`` or a random one.
    ``runtime`` (an :class:`api.runtime.Runtime`) is shared when given, and its
    settings carry the stack's secrets meanwhile (the action endpoint checks the token).
    Rasa's tracker store and logs go to ``workdir``. ``rasa_replicas`` > 1 needs
    ``shared_stores`` (:func:`shared_store_environment`): the replicas then run with
    bot/endpoints.replicas.yml, and the app's ``DXE_RASA_URL`` names them all. Raises
    RuntimeError when Rasa is not built or does not come up. ``model``: another trained
    model (a benchmark's comparison).
    """
    from api.main import create_app

    if not (RASA_BIN.exists() and model.exists()):
        raise RuntimeError("the Rasa environment or model is missing: run `make setup`")
    if rasa_replicas > 1 and shared_stores is None:
        raise ValueError("Rasa replicas share their conversations: pass shared_stores")
    app_port, rasa_ports = free_port(), [free_port() for _ in range(rasa_replicas)]
    urls = [f"http://127.0.0.1:{port}" for port in rasa_ports]
    stack_settings = settings.model_copy(update={
        "PORT": app_port, "RASA_URL": ",".join(urls), "RASA_TOKEN": token,
        "RASA_JWT_SECRET": settings.RASA_JWT_SECRET or secrets.token_urlsafe(32),
        "RASA_TIMEOUT_SECONDS": rasa_timeout})
    endpoints = REPLICA_ENDPOINTS if shared_stores is not None else DEFAULT_ENDPOINTS
    env = {**rasa_environment(stack_settings, workdir / "tracker.db"), **(shared_stores or {})}
    previous = runtime.settings if runtime is not None else None
    if runtime is not None:
        runtime.settings = stack_settings
    logs = [workdir / ("rasa.log" if n == 0 else f"rasa-{n}.log") for n in range(rasa_replicas)]
    processes: list[subprocess.Popen] = []  # type: ignore[type-arg]
    try:
        for port, log_path in zip(rasa_ports, logs, strict=True):
            with log_path.open("w") as log:
                processes.append(subprocess.Popen(
                    rasa_command(model, port, endpoints), cwd=PROJECT_ROOT, env=env,
                    stdout=log, stderr=subprocess.STDOUT))
        with serve_in_thread(create_app(settings=stack_settings, runtime=runtime), app_port):
            for url, process, log_path in zip(urls, processes, logs, strict=True):
                if not wait_until_healthy(f"{url}/", process, START_TIMEOUT_SECONDS):
                    raise RuntimeError(f"Rasa did not start (its log: {log_path}):\n"
                                       f"{log_tail(log_path)}")
            yield RunningStack(f"http://127.0.0.1:{app_port}", urls[0], stack_settings,
                               processes[0], tuple(urls), tuple(processes))
    finally:
        for process in processes:
            _stop(process)
        if runtime is not None:
            runtime.settings = previous


def shared_store_environment(tracker: str, redis: str, lock_prefix: str) -> dict[str, str]:
    """The variables of bot/endpoints.replicas.yml for a PostgreSQL tracker database (an
    SQLAlchemy URL) and a Redis server (``redis://host:port/db``): what Rasa replicas that
    share their conversations need."""
    from urllib.parse import urlsplit

    from sqlalchemy.engine import make_url

    database, lock = make_url(tracker), urlsplit(redis)
    return {"DXE_RASA_TRACKER_HOST": database.host or "127.0.0.1",
            "DXE_RASA_TRACKER_PORT": str(database.port or 5432),
            "DXE_RASA_TRACKER_DATABASE": str(database.database),
            "DXE_RASA_TRACKER_USER": database.username or "postgres",
            "DXE_RASA_TRACKER_PASSWORD": database.password or "",
            "DXE_RASA_LOCK_HOST": lock.hostname or "127.0.0.1",
            "DXE_RASA_LOCK_PORT": str(lock.port or 6379),
            "DXE_RASA_LOCK_DB": (lock.path or "/0").lstrip("/") or "0",
            "DXE_RASA_LOCK_PREFIX": lock_prefix}


@dataclass(frozen=True, slots=True)
class AppReplicas:
    """Running app processes: their base URLs and process ids, in the same order."""

    urls: list[str]
    pids: list[int]


@contextmanager
def app_replicas(env: dict[str, str], count: int, logs: Path,
                 timeout: float = START_TIMEOUT_SECONDS) -> Iterator[AppReplicas]:
    """``count`` app processes (``python -m api.manage serve``) started together with
    ``env`` on free ports of 127.0.0.1 — the replicas of deploy/compose.yml; yields them
    once every one is healthy, stops them all afterwards. Used by tests/scaleout and
    ``make bench``. Raises RuntimeError (with the log's tail) if one does not start."""
    logs.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(count)]
    processes: list[subprocess.Popen] = []  # type: ignore[type-arg]
    try:
        for number, port in enumerate(ports):
            with (logs / f"app-{number}.log").open("w") as log:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "api.manage", "serve", "--port", str(port)],
                    cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for number, (url, process) in enumerate(zip(urls, processes, strict=True)):
            if not wait_until_healthy(f"{url}/api/health", process, timeout):
                tail = (logs / f"app-{number}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"app replica {number} did not start:\n{tail}")
        yield AppReplicas(urls, [process.pid for process in processes])
    finally:
        for process in processes:
            _stop(process)
