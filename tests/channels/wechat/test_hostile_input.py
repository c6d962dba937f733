"""Hostile requests are refused with 4xx before anything is processed, and nothing crashes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.channels.wechat.support import (
    ACCOUNT,
    chat_turns,
    new_openid,
    post_xml,
    signed_query,
    text_xml,
)

OPENID = new_openid()
HEAD = (f"<ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType>text</MsgType>")

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE xml [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
              for i in range(1, 10))
    + f"]>\n<xml>{HEAD}<Content>&lol9;</Content><MsgId>1</MsgId></xml>")
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f"<xml>{HEAD}<Content>&xxe;</Content><MsgId>2</MsgId></xml>")
EXTERNAL_DTD = ('<?xml version="1.0"?>\n<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
                f"<xml>{HEAD}<Content>hi</Content><MsgId>3</MsgId></xml>")
PARAMETER_ENTITY = ('<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY % p SYSTEM '
                    '"file:///etc/passwd"> %p;]>\n'
                    f"<xml>{HEAD}<Content>hi</Content><MsgId>4</MsgId></xml>")


@pytest.mark.parametrize("body", [
    BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY,
    f"<xml>{HEAD}<Content>unclosed",  # malformed
    "not xml at all",
    f"<notxml>{HEAD}<Content>hi</Content><MsgId>5</MsgId></notxml>",  # wrong root
    f"<xml><FromUserName>{OPENID}</FromUserName><Content>hi</Content></xml>",  # fields missing
    f"<xml>{HEAD.replace(OPENID, '../../etc')}<Content>hi</Content><MsgId>6</MsgId></xml>",
    f"<xml>{HEAD}<Content>hi</Content><MsgId>not-a-number</MsgId></xml>",
    b"\xff\xfe<\x00x\x00",  # not UTF-8
], ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity", "malformed",
        "not-xml", "wrong-root", "missing-fields", "bad-openid", "bad-msgid", "bad-encoding"])
def test_hostile_xml_is_refused(wechat_app: Any, runtime: Any, body: str | bytes) -> None:
    before = chat_turns(runtime)
    with wechat_app() as client:
        response = post_xml(client, body)
    assert response.status_code == 400, response.text
    if "ENTITY" in str(body) or "DOCTYPE" in str(body):
        assert "Forbidden" in response.text  # refused by defusedxml, not by luck
    assert chat_turns(runtime) == before


def test_oversized_bodies_are_refused_unread(wechat_app: Any, runtime: Any) -> None:
    before = chat_turns(runtime)
    big = text_xml(OPENID, "长" * 40_000)  # 120 kB, over the 64 KiB cap

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap holds while streaming
        data = big.encode("utf-8")
        for start in range(0, len(data), 8192):
            yield data[start:start + 8192]

    with wechat_app() as client:
        assert post_xml(client, big).status_code == 413
        streamed = client.post("/wechat", params=signed_query(), content=chunks())
        assert streamed.status_code == 413
        with wechat_app(MAX_BODY_BYTES="512") as small:
            assert post_xml(small, text_xml(OPENID, "长" * 200)).status_code == 413
    assert chat_turns(runtime) == before


def test_bad_signatures_and_stale_timestamps_are_refused(wechat_app: Any, runtime: Any) -> None:
    before = chat_turns(runtime)
    xml = text_xml(OPENID, "光谷的企业找谁？")
    query = signed_query()
    with wechat_app() as client:
        assert post_xml(client, xml, {}).status_code == 400  # no signature at all
        assert post_xml(client, xml, {k: v for k, v in query.items()
                                      if k != "signature"}).status_code == 400
        assert post_xml(client, xml, {**query, "signature": "0" * 40}).status_code == 403
        assert post_xml(client, xml, {**query, "signature": query["signature"].upper()
                                      }).status_code == 403
        assert post_xml(client, xml, signed_query(token="guessed")).status_code == 403
        stale = signed_query(timestamp=int(time.time()) - 301)
        assert post_xml(client, xml, stale).status_code == 403
        future = signed_query(timestamp=int(time.time()) + 3600)
        assert post_xml(client, xml, future).status_code == 403
        assert post_xml(client, xml, signed_query(timestamp=10**15)).status_code == 403
        assert post_xml(client, xml, {**query, "timestamp": "abc"}).status_code == 403
        assert post_xml(client, "", query).status_code == 400  # empty body
    assert chat_turns(runtime) == before
