"""Building WeChat's inbound requests as WeChat does (real signatures), and reading replies."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any

from defusedxml.ElementTree import fromstring
from fastapi.testclient import TestClient
from sqlalchemy import func, select

TOKEN = "dxe-test-token"
ACCOUNT = "gh_0123456789ab"  # the Official Account's own id (ToUserName)


def wechat_signature(*parts: str) -> str:
    """WeChat's documented signature: SHA-1 of the sorted parts, concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def new_openid() -> str:
    """A fresh OpenID-shaped id, so each test's turns and allowances are its own."""
    return "o" + secrets.token_urlsafe(20).replace("-", "A").replace("_", "B")[:27]


def new_aes_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def signed_query(token: str = TOKEN, timestamp: int | None = None,
                 nonce: str | None = None, **extra: str) -> dict[str, str]:
    """``signature``, ``timestamp`` and ``nonce`` as WeChat computes them."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(5)
    return {"signature": wechat_signature(token, stamp, nonce), "timestamp": stamp,
            "nonce": nonce, **extra}


def text_xml(openid: str, content: str, msg_id: int | None = None,
             create_time: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{msg_id or secrets.randbelow(10**17) + 10**17}</MsgId></xml>")


def event_xml(openid: str, event: str, key: str | None = None,
              create_time: int | None = None) -> str:
    key_xml = f"<EventKey><![CDATA[{key}]]></EventKey>" if key is not None else ""
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
            f"{key_xml}</xml>")


def voice_xml(openid: str, recognition: str | None = None) -> str:
    extra = f"<Recognition><![CDATA[{recognition}]]></Recognition>" if recognition else ""
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[voice]]></MsgType>"
            f"<MediaId><![CDATA[media-1]]></MediaId><Format><![CDATA[amr]]></Format>{extra}"
            f"<MsgId>{secrets.randbelow(10**17) + 10**17}</MsgId></xml>")


def reply_content(xml: str) -> str:
    """The Content of a passive text reply."""
    root = fromstring(xml)
    assert root.findtext("MsgType") == "text", xml
    return root.findtext("Content") or ""


def chat_turns(runtime: Any, openid: str | None = None) -> int:
    """How many chat turns are stored (for one WeChat user, or in all)."""
    from hotline.conversations.models import ChatTurn

    query = select(func.count()).select_from(ChatTurn)
    if openid is not None:
        query = query.where(ChatTurn.session_id == f"wx:{openid}")
    with runtime.sessions() as session:
        return int(session.execute(query).scalar_one())


def post_xml(client: TestClient, xml: str | bytes, query: dict[str, str] | None = None) -> Any:
    """POST a message to /wechat, signed unless ``query`` is given."""
    body = xml.encode("utf-8") if isinstance(xml, str) else xml
    return client.post("/wechat", params=query if query is not None else signed_query(),
                       content=body, headers={"Content-Type": "text/xml"})
