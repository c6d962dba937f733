"""Log lines: personal data masked in every format; JSON lines parse and keep extras."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from api.observability.logs import logging_config
from api.observability.masking import mask_personal_data


@pytest.mark.parametrize(("raw", "masked"), [
    ("企业电话13812345678，请回电", "企业电话138****5678，请回电"),
    ("+86 138-1234-5678", "138****5678"),
    ("tel 8613812345678.", "tel 138****5678."),
    ("座机027-87654321转分机", "座机027-****4321转分机"),
    ("身份证420102199001011234", "身份证4201**********1234"),
    ("身份证42010219900101123X号", "身份证4201**********123X号"),
    ("mail wang.li@example.gov.cn now", "mail w***@example.gov.cn now"),
    ("delivery to oABCD1234567890abcdefghijklm failed", "delivery to oABC… failed"),
])
def test_personal_data_is_masked(raw: str, masked: str) -> None:
    assert mask_personal_data(raw) == masked


@pytest.mark.parametrize("harmless", [
    "工单 DXE20261125-3FA9C1 已办结",
    "第12345678901234567890次",  # not a phone: part of a longer number
    "index built: 1560 units, 156 chunks in 12.5s",
    "2026-12-01T14:17:53",
])
def test_ordinary_text_is_left_alone(harmless: str) -> None:
    assert mask_personal_data(harmless) == harmless


def _capture(log_format: str) -> tuple[logging.Logger, io.StringIO]:
    config = logging_config(log_format, "INFO")  # type: ignore[arg-type]
    stream = io.StringIO()
    config["handlers"]["default"]["stream"] = stream
    logging.config.dictConfig(config)
    return logging.getLogger("tests.observability"), stream


@pytest.fixture(autouse=True)
def _restore_logging():  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_are_masked_and_parse() -> None:
    logger, stream = _capture("json")
    logger.info("ticket %s opened for %s", "DXE1", "13812345678", extra={"district": "光谷"})
    try:
        raise ValueError("phone 13987654321 refused")
    except ValueError:
        logger.exception("delivery to %s failed", "wang@example.cn")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "ticket DXE1 opened for 138****5678"
    assert first["level"] == "INFO" and first["logger"] == "tests.observability"
    assert first["district"] == "光谷" and first["time"].endswith("+00:00")
    assert second["message"] == "delivery to w***@example.cn failed"
    assert "139****4321" in second["exception"] and "13987654321" not in second["exception"]


def test_text_lines_are_masked_too() -> None:
    logger, stream = _capture("text")
    logger.warning("callback %s", "027-87654321")
    assert "027-****4321" in stream.getvalue() and "87654321" not in stream.getvalue()
