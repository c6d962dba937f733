"""Logging for the app's processes: one JSON object per line (or plain text), always masked.

``DXE_LOG_FORMAT=json`` (the production default in the container images) writes
``{"time", "level", "logger", "message", …}`` lines a log store can index; ``text`` is for a
developer's terminal. Either way every record passes :class:`PersonalDataFilter` first.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Literal

from api.observability.masking import mask_personal_data

LogFormat = Literal["json", "text"]
# attributes every LogRecord has; anything else was passed with ``extra=`` and is kept
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class PersonalDataFilter(logging.Filter):
    """Masks personal data in the message (arguments merged in) and in ``extra`` strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        for key, value in vars(record).items():
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, mask_personal_data(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, UTC ISO-8601 time, ``extra=`` fields included."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) \
                    else str(value)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def logging_config(log_format: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the app and uvicorn (also its ``log_config``)."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"})
    handler = {"class": "logging.StreamHandler", "formatter": "default",
               "filters": ["personal_data"], "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"personal_data": {"()": PersonalDataFilter}},
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {name: {"handlers": [], "propagate": True}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure_logging(log_format: LogFormat, level: str = "INFO") -> None:
    """Apply :func:`logging_config` to this process."""
    logging.config.dictConfig(logging_config(log_format, level))
