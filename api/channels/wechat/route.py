"""``/wechat``: the Official Account's server URL (服务器地址).

GET answers WeChat's URL verification; POST receives messages and events. Every request's
signature and timestamp are checked before its body is read; nothing is processed otherwise.
"""

from __future__ import annotations

import logging
import re
import time

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply

from api.channels.wechat.channel import WeChatChannel
from api.channels.wechat.parsing import BadRequest, envelope_ciphertext, parse_message, read_body
from api.channels.wechat.security import signature_ok, timestamp_fresh

log = logging.getLogger(__name__)
router = APIRouter(tags=["wechat"])

EMPTY_REPLY = "success"  # WeChat's "no reply, do not retry"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _channel(request: Request) -> WeChatChannel:
    channel = getattr(request.app.state, "wechat", None)
    if channel is None:  # WECHAT_TOKEN unset: the channel does not exist
        raise HTTPException(status_code=404)
    return channel  # type: ignore[no-any-return]


def _authenticate(channel: WeChatChannel, signature: str | None, timestamp: str | None,
                  nonce: str | None) -> tuple[str, str]:
    if not (signature and timestamp and nonce):
        raise BadRequest(400, "missing signature, timestamp or nonce")
    if not timestamp_fresh(timestamp, channel.config.TIMESTAMP_TOLERANCE_SECONDS):
        raise BadRequest(403, "stale or malformed timestamp")
    if not signature_ok(signature, channel.token, timestamp, nonce):
        raise BadRequest(403, "bad signature")
    return timestamp, nonce


def _refuse(request: Request, exc: BadRequest) -> PlainTextResponse:
    log.info("WeChat request from %s refused: %s", request.client.host if request.client else "?",
             exc.detail)
    return PlainTextResponse(exc.detail, status_code=exc.status_code)


@router.get("/wechat", response_class=PlainTextResponse, include_in_schema=False)
async def verify_server(request: Request, signature: str | None = None,
                        timestamp: str | None = None, nonce: str | None = None,
                        echostr: str | None = None) -> PlainTextResponse:
    """WeChat's server URL check: echo ``echostr`` when the signature is ours."""
    channel = _channel(request)
    try:
        _authenticate(channel, signature, timestamp, nonce)
        if not echostr:
            raise BadRequest(400, "missing echostr")
    except BadRequest as exc:
        return _refuse(request, exc)
    return PlainTextResponse(echostr)


def _open(channel: WeChatChannel, body: bytes, timestamp: str, nonce: str,
          encrypt_type: str | None, msg_signature: str | None) -> BaseMessage:
    """The message inside the body: decrypted in safe mode (msg_signature checked first)."""
    if channel.cipher is None:
        if encrypt_type not in (None, "", "raw"):
            raise BadRequest(400, "encrypted message but no WECHAT_ENCODING_AES_KEY configured")
        return parse_message(body)
    if encrypt_type != "aes":
        raise BadRequest(400, "plaintext message refused: the account is in safe mode")
    ciphertext = envelope_ciphertext(body)
    if not signature_ok(msg_signature, channel.token, timestamp, nonce, ciphertext):
        raise BadRequest(403, "bad msg_signature")
    try:
        return parse_message(channel.cipher.decrypt(ciphertext))
    except ValueError as exc:
        raise BadRequest(400, "message cannot be decrypted") from exc


def _reply(channel: WeChatChannel, message: BaseMessage, text: str, nonce: str) -> Response:
    content = _XML_INVALID.sub("", text).replace("]]>", "]] >")  # safe inside CDATA
    xml = TextReply(message=message, content=content).render()
    if channel.cipher is not None:
        xml = channel.cipher.encrypt_reply(xml, nonce)
    return Response(xml, media_type="application/xml")


@router.post("/wechat", include_in_schema=False)
async def receive_message(request: Request, signature: str | None = None,
                          timestamp: str | None = None, nonce: str | None = None,
                          openid: str | None = None, encrypt_type: str | None = None,
                          msg_signature: str | None = None) -> Response:
    """A message or event: a passive text reply, or ``success`` (answer follows later)."""
    started = time.monotonic()
    channel = _channel(request)
    try:
        timestamp, nonce = _authenticate(channel, signature, timestamp, nonce)
        body = await read_body(request, channel.config.MAX_BODY_BYTES)
        message = _open(channel, body, timestamp, nonce, encrypt_type, msg_signature)
        if openid and openid != message.source:
            raise BadRequest(400, "openid does not match FromUserName")
    except BadRequest as exc:
        return _refuse(request, exc)
    try:
        text = await channel.respond(request.app.state.chat, message, started)
    except Exception:  # e.g. the database is down: reply empty rather than fail loudly
        log.exception("WeChat message from %s not handled", message.source)
        text = None
    if text is None:
        return PlainTextResponse(EMPTY_REPLY)
    return _reply(channel, message, text, nonce)
