"""What ``DXE_ENV=production`` refuses: an empty, short or placeholder secret.

:func:`check_production` lists every problem (naming the variable, never its value);
:func:`enforce_production` raises them all at once at start-up (api/main.py's lifespan,
and ``make run``'s supervisor before it starts anything). Development generates what is
missing instead (api/supervisor.py, hotline/security/sessions.py).
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from hotline.settings import Settings, WeChatConfig

MIN_SECRET_LENGTH = 16
# Values seen in docs, examples and this repo's tests, compared lower-cased and without
# punctuation; any secret containing one of the words below is refused as well.
PLACEHOLDERS = frozenset({
    "secret", "password", "passwd", "token", "key", "admin", "root", "dev", "development",
    "prod", "production", "xxx", "todo", "none", "null", "tok", "abc123", "123456",
    "qwerty", "letmein", "dianxiaoer",
})
PLACEHOLDER_WORDS = ("changeme", "changethis", "placeholder", "example", "dummy", "unused",
                     "test", "default", "insecure", "replaceme", "yoursecret", "yourtoken",
                     "notasecret", "fixme")


class ProductionSettingsError(RuntimeError):
    """The settings are not fit for production; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("DXE_ENV=production refuses to start:\n"
                         + "\n".join(f"  - {problem}" for problem in problems))


def weakness(value: str | None) -> str | None:
    """Why ``value`` is not a usable secret (``None`` when it is)."""
    if value is None or not value.strip():
        return "is empty"
    normalised = re.sub(r"[^0-9a-z]", "", value.lower())
    if normalised in PLACEHOLDERS or any(word in normalised for word in PLACEHOLDER_WORDS):
        return "is a known placeholder"
    if len(set(value)) == 1:
        return "is one repeated character"
    if len(value) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def _required(problems: list[str], name: str, value: str | None, reason: str) -> None:
    why = weakness(value)
    if why is not None:
        problems.append(f"{name} {why} ({reason})")


def _wechat_config(settings: Settings) -> WeChatConfig | str:
    """The WeChat settings of ``settings``, or why they are invalid (without values)."""
    try:
        return settings.wechat()
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(str(p) for p in error['loc']) or 'WECHAT'}: "
                           f"{error['msg']}" for error in exc.errors())
        return f"the WECHAT_* settings are invalid ({fields})"


def _check_wechat(problems: list[str], wechat: WeChatConfig | str) -> None:
    if isinstance(wechat, str):
        problems.append(wechat)
        return
    if not wechat.enabled:
        return
    reason = "the WeChat channel is on"
    _required(problems, "WECHAT_TOKEN", wechat.TOKEN, reason)
    if wechat.ENCODING_AES_KEY is None:
        problems.append("WECHAT_ENCODING_AES_KEY is empty (production accepts only safe "
                        "mode: plaintext mode lets anyone on the path read the messages)")
    else:
        _required(problems, "WECHAT_ENCODING_AES_KEY", wechat.ENCODING_AES_KEY, reason)
    if wechat.APP_SECRET is not None:
        _required(problems, "WECHAT_APP_SECRET", wechat.APP_SECRET, "it is set")


def check_production(settings: Settings,
                     wechat: WeChatConfig | str | None = None) -> list[str]:
    """Every secret problem of ``settings`` (and of its WeChat settings, unless others are
    given), one sentence each; empty when production may start."""
    problems: list[str] = []
    if settings.RASA_URL:
        reason = "required while DXE_RASA_URL is set"
        _required(problems, "DXE_RASA_TOKEN", settings.RASA_TOKEN, reason)
        _required(problems, "DXE_RASA_JWT_SECRET", settings.RASA_JWT_SECRET, reason)
        if settings.RASA_TOKEN and settings.RASA_TOKEN == settings.RASA_JWT_SECRET:
            problems.append("DXE_RASA_JWT_SECRET equals DXE_RASA_TOKEN (the token travels "
                            "in requests; the JWT key must not)")
    if settings.EHUIBAN_SECRET:
        _required(problems, "DXE_EHUIBAN_SECRET", settings.EHUIBAN_SECRET,
                  "it is set, so 鄂汇办 sign-in is on")
    if settings.NOTIFY_WEBHOOK_URL:
        _required(problems, "DXE_NOTIFY_WEBHOOK_SECRET", settings.NOTIFY_WEBHOOK_SECRET,
                  "required while DXE_NOTIFY_WEBHOOK_URL is set")
    if "SESSION_SECRET" in type(settings).model_fields:
        _required(problems, "DXE_SESSION_SECRET", getattr(settings, "SESSION_SECRET", None),
                  "signs the web and 鄂汇办 sessions; the same on every replica")
    _check_wechat(problems, wechat if wechat is not None else _wechat_config(settings))
    return problems


def enforce_production(settings: Settings, wechat: WeChatConfig | str | None = None) -> None:
    """Raise :class:`ProductionSettingsError` when ``DXE_ENV=production`` and a secret is
    unfit; nothing in development."""
    if settings.ENV != "production":
        return
    problems = check_production(settings, wechat)
    if problems:
        raise ProductionSettingsError(problems)
