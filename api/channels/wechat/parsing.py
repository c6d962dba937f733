"""Inbound bodies: a size cap before anything is parsed, defusedxml, then wechatpy's messages.

Every XML text is first parsed by defusedxml with DTDs forbidden (WeChat never sends one, so
entity declarations, billion laughs and external entities are refused outright); only then
does wechatpy's ``parse_message`` turn it into a message or event object.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from starlette.requests import ClientDisconnect, Request
from wechatpy.messages import BaseMessage
from wechatpy.parser import parse_message as wechatpy_parse_message

OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# ASCII digits only ("²".isdigit() is true, int("²") fails), and no more than an int64 has
CREATE_TIME = re.compile(r"^[0-9]{1,12}$")
MSG_ID = re.compile(r"^[0-9]{1,19}$")
# WeChat's MsgType and Event values are short names (text, voice, event; subscribe, CLICK …)
NAME = re.compile(r"^[A-Za-z_]{1,32}$")
_REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


class BadRequest(Exception):
    """A request refused before anything is processed (mapped to a 4xx response)."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 beyond ``limit`` bytes (declared or actually sent)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BadRequest(413, "body too large")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise BadRequest(413, "body too large")
    except ClientDisconnect as exc:
        raise BadRequest(400, "client disconnected") from exc
    if not body:
        raise BadRequest(400, "empty body")
    return bytes(body)


def xml_fields(xml: bytes | str) -> dict[str, str]:
    """The ``<xml>`` root's child elements as text, parsed safely; raises BadRequest."""
    try:
        text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(400, f"unacceptable XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise BadRequest(400, "root element is not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


def envelope_ciphertext(body: bytes) -> str:
    """The ``Encrypt`` field of a safe-mode envelope."""
    encrypted = xml_fields(body).get("Encrypt")
    if not encrypted:
        raise BadRequest(400, "no Encrypt element")
    return encrypted


def parse_message(xml: bytes | str) -> BaseMessage:
    """A wechatpy message or event, after the safe parse and a check of the common fields."""
    fields = xml_fields(xml)
    missing = [name for name in _REQUIRED if not fields.get(name)]
    if missing:
        raise BadRequest(400, f"missing {', '.join(missing)}")
    if not OPENID.match(fields["FromUserName"]):
        raise BadRequest(400, "malformed FromUserName")
    if not CREATE_TIME.match(fields["CreateTime"]) or not MSG_ID.match(fields.get("MsgId", "0")):
        raise BadRequest(400, "malformed CreateTime or MsgId")
    if not NAME.match(fields["MsgType"]) or ("Event" in fields and not NAME.match(fields["Event"])):
        raise BadRequest(400, "malformed MsgType or Event")
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    try:
        return wechatpy_parse_message(text)
    except Exception as exc:  # defused already; anything else is a malformed message
        raise BadRequest(400, "malformed message") from exc
