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

from hotline.settings import PROJECT_ROOT, Settings

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = RASA_BIN.with_name("python")
RASA_LAUNCHER = "bot.serve"  # run as ``python -m bot.serve`` from the repo root
RASA_MODEL = PROJECT_ROOT / "var" / "rasa" / "models" / "dianxiaoer.tar.gz"
START_TIMEOUT_SECONDS = 240


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    port = int(settings.RASA_URL.rsplit(":", 1)[-1].split("/")[0]) if settings.RASA_URL else 0
    env = rasa_environment(settings, PROJECT_ROOT / "var" / "rasa" / "tracker.db")
    rasa = None
    model = model_to_serve(settings)
    if settings.RASA_URL and RASA_BIN.exists() and model.exists():
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
            if wait_until_healthy(f"{settings.RASA_URL}/", rasa, START_TIMEOUT_SECONDS):
                print(f"dialogue server ready on {settings.RASA_URL}")
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
    rasa_url: str
    settings: Settings
    rasa: subprocess.Popen  # type: ignore[type-arg]


@contextmanager
def dialogue_stack(settings: Settings, workdir: Path, token: str, runtime: Any = None,
                   rasa_timeout: float = 30.0) -> Iterator[RunningStack]:
    """The app in a uvicorn thread and a real Rasa server (bot/serve.py) subprocess, on free
    ports.

    Used by the tests, ``make eval`` and ``make bench``. ``token`` is the action endpoint's;
    the JWT secret of Rasa's HTTP API is ``settings.RASA_JWT_SECRET`` or a random one.
    ``runtime`` (an :class:`api.runtime.Runtime`) is shared when given, and its
    settings carry the stack's secrets meanwhile (the action endpoint checks the token).
    Rasa's tracker store and log go to ``workdir``. Raises RuntimeError when Rasa is not
    built or does not come up.
    """
    from api.main import create_app

    if not (RASA_BIN.exists() and RASA_MODEL.exists()):
        raise RuntimeError("the Rasa environment or model is missing: run `make setup`")
    app_port, rasa_port = free_port(), free_port()
    stack_settings = settings.model_copy(update={
        "PORT": app_port, "RASA_URL": f"http://127.0.0.1:{rasa_port}", "RASA_TOKEN": token,
        "RASA_JWT_SECRET": settings.RASA_JWT_SECRET or secrets.token_urlsafe(32),
        "RASA_TIMEOUT_SECONDS": rasa_timeout})
    previous = runtime.settings if runtime is not None else None
    if runtime is not None:
        runtime.settings = stack_settings
    log_path = workdir / "rasa.log"
    with log_path.open("w") as log:
        rasa = subprocess.Popen(
            rasa_command(RASA_MODEL, rasa_port), cwd=PROJECT_ROOT,
            env=rasa_environment(stack_settings, workdir / "tracker.db"),
            stdout=log, stderr=subprocess.STDOUT)
        try:
            with serve_in_thread(create_app(settings=stack_settings, runtime=runtime), app_port):
                rasa_url = f"http://127.0.0.1:{rasa_port}"
                if not wait_until_healthy(f"{rasa_url}/", rasa, START_TIMEOUT_SECONDS):
                    raise RuntimeError(f"Rasa did not start (its log: {log_path})")
                yield RunningStack(f"http://127.0.0.1:{app_port}", rasa_url, stack_settings,
                                   rasa)
        finally:
            _stop(rasa)
            if runtime is not None:
                runtime.settings = previous


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
