"""Safe (AES) mode: messages encrypted with wechatpy's WeChatCrypto, replies decrypted with it."""

from __future__ import annotations

import secrets
import time
from typing import Any

from defusedxml.ElementTree import fromstring
from wechatpy.crypto import WeChatCrypto

from tests.channels.wechat.support import (
    ACCOUNT,
    TOKEN,
    chat_turns,
    new_aes_key,
    new_openid,
    post_xml,
    reply_content,
    signed_query,
    text_xml,
)


def encrypted(crypto: WeChatCrypto, xml: str, openid: str) -> tuple[str, dict[str, str]]:
    """The body and query WeChat sends in safe mode for the message ``xml``."""
    nonce, timestamp = secrets.token_hex(5), str(int(time.time()))
    envelope = fromstring(crypto.encrypt_message(xml, nonce, timestamp))
    body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{envelope.findtext('Encrypt')}]]></Encrypt></xml>")
    query = signed_query(timestamp=int(timestamp), nonce=nonce, openid=openid,
                         encrypt_type="aes", msg_signature=envelope.findtext("MsgSignature"))
    return body, query


def decrypted_reply(crypto: WeChatCrypto, response_xml: str) -> str:
    """Check the reply's signature and decrypt it, as WeChat does."""
    envelope = fromstring(response_xml)
    plain = crypto.decrypt_message(response_xml, envelope.findtext("MsgSignature"),
                                   envelope.findtext("TimeStamp"), envelope.findtext("Nonce"))
    return reply_content(plain)


def test_safe_mode_round_trip(wechat_app: Any, fake_api: Any, runtime: Any) -> None:
    key = new_aes_key()
    crypto = WeChatCrypto(TOKEN, key, fake_api.app_id)
    openid = new_openid()
    xml = text_xml(openid, "高企 网上能办不")
    with wechat_app(ENCODING_AES_KEY=key) as client:
        body, query = encrypted(crypto, xml, openid)
        response = post_xml(client, body, query)
        assert response.status_code == 200
        assert "<Content>" not in response.text  # nothing in the clear
        content = decrypted_reply(crypto, response.text)
        # WeChat's retry of the same message: same answer, no second turn
        retry_body, retry_query = encrypted(crypto, xml, openid)
        retry = decrypted_reply(crypto, post_xml(client, retry_body, retry_query).text)
    assert "【来源】武科函〔2021〕10号（八）" in content
    assert retry == content
    assert chat_turns(runtime, openid) == 1


def test_safe_mode_refuses_plaintext_forgeries_and_foreign_keys(
        wechat_app: Any, fake_api: Any, runtime: Any) -> None:
    key = new_aes_key()
    openid = new_openid()
    xml = text_xml(openid, "你好")
    before = chat_turns(runtime)
    with wechat_app(ENCODING_AES_KEY=key) as client:
        assert post_xml(client, xml).status_code == 400  # plaintext in safe mode
        body, query = encrypted(WeChatCrypto(TOKEN, key, fake_api.app_id), xml, openid)
        forged = {**query, "msg_signature": "0" * 40}
        assert post_xml(client, body, forged).status_code == 403
        no_signature = {k: v for k, v in query.items() if k != "msg_signature"}
        assert post_xml(client, body, no_signature).status_code == 403
        other_key, _ = encrypted(WeChatCrypto(TOKEN, new_aes_key(), fake_api.app_id), xml, openid)
        _, other_key_query = encrypted(WeChatCrypto(TOKEN, new_aes_key(), fake_api.app_id), xml,
                                       openid)
        assert post_xml(client, other_key, other_key_query).status_code in (400, 403)
        other_app_body, other_app_query = encrypted(WeChatCrypto(TOKEN, key, "wxsomeoneelse"),
                                                    xml, openid)
        assert post_xml(client, other_app_body, other_app_query).status_code == 400
        bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                + xml.replace("你好", "&b;"))
        bomb_body, bomb_query = encrypted(WeChatCrypto(TOKEN, key, fake_api.app_id), bomb, openid)
        assert post_xml(client, bomb_body, bomb_query).status_code == 400
    assert chat_turns(runtime) == before


def test_plaintext_mode_refuses_encrypted_messages(wechat_app: Any, fake_api: Any,
                                                   runtime: Any) -> None:
    openid = new_openid()
    crypto = WeChatCrypto(TOKEN, new_aes_key(), fake_api.app_id)
    with wechat_app() as client:
        body, query = encrypted(crypto, text_xml(openid, "你好"), openid)
        assert post_xml(client, body, query).status_code == 400
    assert chat_turns(runtime, openid) == 0


def test_invalid_aes_key_keeps_the_channel_off(wechat_app: Any) -> None:
    with wechat_app(ENCODING_AES_KEY="too-short") as client:
        assert client.get("/wechat", params=signed_query(echostr="1")).status_code == 404
        assert client.get("/api/health").status_code in (200, 503)  # the app itself is up
