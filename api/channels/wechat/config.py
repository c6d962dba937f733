"""The WeChat channel's configuration, from ``WECHAT_*`` environment variables (or ``.env``)."""

from __future__ import annotations

import base64
import binascii

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"


class WeChatConfig(BaseSettings):
    """The channel is on only when ``WECHAT_TOKEN`` is set (see README, "WeChat Official Account")."""

    model_config = SettingsConfigDict(env_prefix="WECHAT_", env_file=".env", extra="ignore")

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
