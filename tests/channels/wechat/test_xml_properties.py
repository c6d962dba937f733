"""Hypothesis properties of the WeChat channel (issue #10): no body, however broken, crashes it.

The parser raises nothing but ``BadRequest``; signed requests with arbitrary, XML-like or
mutated bodies get 200 (a reply or ``success``) or 400/413, never a 5xx; requests with a wrong
signature or timestamp get 400/403 before the body is read; in safe mode, an envelope whose
ciphertext is garbage (correctly signed) or whose plaintext is garbage gets a 400.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from api.channels.wechat.parsing import BadRequest, parse_message, xml_fields
from tests.channels.wechat.support import (
    ACCOUNT,
    TOKEN,
    new_aes_key,
    new_openid,
    post_xml,
    signed_query,
    wechat_signature,
)

PROPERTY = settings(derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))
OPENID = new_openid()
TAGS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event",
        "EventKey", "Recognition", "MediaId", "Format", "Encrypt", "xml", "a"]
VALUES = st.one_of(
    st.sampled_from([ACCOUNT, OPENID, "text", "event", "voice", "image", "subscribe", "CLICK",
                     str(int(time.time())), "1", "0", "-1", "²", "٣", str(2**64), "", " ",
                     "]]>", "<", "&amp;", "&#0;", "&lol;", "光谷的企业找谁？", "🙂" * 5]),
    st.text(max_size=40),
)


@st.composite
def xmlish(draw: st.DrawFn) -> str:
    """A message-shaped XML text: known and unknown tags, CDATA or not, maybe broken."""
    parts = []
    for tag in draw(st.lists(st.sampled_from(TAGS), max_size=10)):
        value = draw(VALUES)
        inner = f"<![CDATA[{value}]]>" if draw(st.booleans()) else value
        parts.append(f"<{tag}>{inner}</{tag}>")
    root = draw(st.sampled_from(["xml", "xml", "xml", "XML", "root", "xml xmlns='urn:x'"]))
    text = f"<{root}>{''.join(parts)}</{root.split()[0]}>"
    prolog = draw(st.sampled_from(["", '<?xml version="1.0"?>', '<?xml version="1.0" '
                                   'encoding="GBK"?>', "\ufeff", '<!DOCTYPE xml>']))
    text = prolog + text
    cut = draw(st.integers(min_value=0, max_value=len(text)))
    return text[:cut] if draw(st.booleans()) and cut else text


BODIES = st.one_of(xmlish(), st.text(max_size=300), st.binary(max_size=300))


@settings(PROPERTY, max_examples=300)
@given(body=BODIES)
def test_the_parser_raises_only_bad_request(body: str | bytes) -> None:
    for parse in (xml_fields, parse_message):
        try:
            parse(body)
        except BadRequest as exc:
            assert exc.status_code == 400


@pytest.fixture
def plain_client(wechat_app: Any) -> Iterator[Any]:
    """A client of the app with the channel in plaintext mode, rate limits off."""
    with wechat_app() as client:
        throttle = getattr(client.app.state.runtime, "throttle", None)
        was = getattr(throttle, "enabled", None)
        if throttle is not None:
            throttle.enabled = False
        try:
            yield client
        finally:
            if throttle is not None:
                throttle.enabled = was


def _never_a_server_error(response: Any) -> None:
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 400, 413), (response.status_code, response.text)
    if response.status_code == 200:
        assert response.text == "success" or response.text.startswith("<xml>"), response.text


def test_signed_bodies_never_crash_the_endpoint(plain_client: Any) -> None:
    @settings(PROPERTY, max_examples=60)
    @given(body=BODIES)
    def check(body: str | bytes) -> None:
        _never_a_server_error(post_xml(plain_client, body))

    check()


def test_bad_signatures_are_refused_before_parsing(plain_client: Any) -> None:
    query_values = st.one_of(st.none(), st.text(max_size=50), st.sampled_from(
        ["0" * 40, str(int(time.time())), str(2**64), "-1", "1e9", " ", "nan"]))

    @settings(PROPERTY, max_examples=60)
    @given(signature=query_values, timestamp=query_values, nonce=query_values, body=BODIES)
    def check(signature: str | None, timestamp: str | None, nonce: str | None,
              body: str | bytes) -> None:
        query = {name: value for name, value in (("signature", signature),
                                                  ("timestamp", timestamp), ("nonce", nonce))
                 if value is not None}
        response = post_xml(plain_client, body, query)
        assert response.status_code in (400, 403), (response.status_code, response.text)

    check()


def test_safe_mode_garbage_is_refused(wechat_app: Any, fake_api: Any) -> None:
    key = new_aes_key()
    crypto = WeChatCrypto(TOKEN, key, fake_api.app_id)

    def envelope(ciphertext: str) -> tuple[str, dict[str, str]]:
        nonce, stamp = secrets.token_hex(5), str(int(time.time()))
        body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>")
        query = signed_query(timestamp=int(stamp), nonce=nonce, encrypt_type="aes",
                             msg_signature=wechat_signature(TOKEN, stamp, nonce, ciphertext))
        return body, query

    with wechat_app(ENCODING_AES_KEY=key) as client:
        @settings(PROPERTY, max_examples=40)
        @given(ciphertext=st.one_of(
            st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
                    min_size=1, max_size=200),
            st.text(min_size=1, max_size=50).filter(lambda t: "]]>" not in t)))
        def garbage_ciphertext(ciphertext: str) -> None:
            response = post_xml(client, *envelope(ciphertext))
            assert response.status_code in (400, 403), (response.status_code, response.text)

        @settings(PROPERTY, max_examples=40)
        @given(plain=st.one_of(xmlish(), st.text(max_size=200)))
        def garbage_plaintext(plain: str) -> None:
            sealed = crypto.encrypt_message(plain, "nonce", str(int(time.time())))
            ciphertext = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
            _never_a_server_error(post_xml(client, *envelope(ciphertext)))

        garbage_ciphertext()
        garbage_plaintext()
