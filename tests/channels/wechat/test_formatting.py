"""The chat contract as WeChat text: references, options for buttons, ratings, splitting."""

from __future__ import annotations

from api.channels.wechat.formatting import (
    TEXT_LIMIT_BYTES,
    byte_length,
    format_response,
    short_reference,
    split_text,
)
from api.schemas import (
    Answer,
    Button,
    ChatResponse,
    Citation,
    Handoff,
    RatingLevel,
    RatingPrompt,
    Reply,
    TicketCard,
)

NOTICE = Citation(doc_id="notice-wukehan-2021-10", title="关于印发……的通知",
                  doc_number="武科函〔2021〕10号", section="（八）优化高企认定服务流程",
                  snippet="…", score=0.9)
DIRECTORY = Citation(doc_id="directory", title="武汉市科技局包区服务责任分工表",
                     doc_number="武科函〔2021〕10号", section="附件：武汉市科技局包区服务责任分工表",
                     snippet="…", score=1.0)
GUIDE = Citation(doc_id="guide-incubator", title="科技企业孵化器认定办事指南", doc_number=None,
                 section="申请条件", snippet="…", score=0.8)
RATING_BUTTONS = [Button(title=label, payload=f'/rate_service{{"rating":"{value}"}}')
                  for value, label in [("5", "非常满意"), ("4", "满意"), ("3", "基本满意"),
                                       ("2", "不满意"), ("1", "非常不满意")]]


def response(**fields: object) -> ChatResponse:
    return ChatResponse(**{"session_id": "wx:o1", "intent": None, "answer": None,
                           "replies": [Reply(text="好的。")], **fields})


def test_short_references() -> None:
    assert short_reference(NOTICE) == "武科函〔2021〕10号（八）"
    assert short_reference(DIRECTORY) == "武科函〔2021〕10号 附件"
    assert short_reference(GUIDE) == "《科技企业孵化器认定办事指南》 申请条件"


def test_answer_gets_one_references_line_without_duplicates() -> None:
    text = format_response(response(
        replies=[Reply(text="可以全程网办。", buttons=[Button(title="转人工",
                                                          payload="/request_human")])],
        answer=Answer(confidence=0.9, citations=[NOTICE, NOTICE, GUIDE]))).text
    assert text == ("可以全程网办。\n\n【来源】武科函〔2021〕10号（八）；《科技企业孵化器认定办事指南》 申请条件"
                    "\n\n如需人工服务，请回复“转人工”。")


def test_buttons_become_numbered_options() -> None:
    formatted = format_response(response(replies=[Reply(text="您在哪个区？", buttons=[
        Button(title="东湖高新区（光谷）", payload='/provide_info{"district":"东湖高新区"}'),
        Button(title="江夏区", payload='/provide_info{"district":"江夏区"}')])]))
    assert formatted.text == "您在哪个区？\n请回复序号选择：\n1. 东湖高新区（光谷）\n2. 江夏区"
    assert formatted.options == {"1": '/provide_info{"district":"东湖高新区"}',
                                 "2": '/provide_info{"district":"江夏区"}'}


def test_rating_buttons_and_prompt_become_one_line() -> None:
    formatted = format_response(response(replies=[Reply(text="请打分：",
                                                        buttons=RATING_BUTTONS)]))
    assert formatted.text.endswith("回复 1–5 评价：5 非常满意 4 满意 3 基本满意 2 不满意 1 非常不满意")
    assert formatted.options["4"] == '/rate_service{"rating":"4"}'
    prompt = RatingPrompt(ticket_id="T1", levels=[RatingLevel(value=v, label=label) for v, label
                                                  in [(5, "非常满意"), (1, "非常不满意")]])
    formatted = format_response(response(rating=prompt))
    assert formatted.text.endswith("回复 1–5 评价：5 非常满意 1 非常不满意")
    assert formatted.options["1"] == '/rate_service{"rating":"1","ticket_id":"T1"}'


def test_tickets_and_handoff_not_already_in_the_text_are_added() -> None:
    card = TicketCard(ticket_id="GD20250101", status="open", status_label="处理中",
                      question="…", district="江夏区", owner="江夏区联系人",
                      due_at="2025-01-06T17:00:00+08:00", overdue=True)
    handoff = Handoff(ticket_id="GD20250102", district="江夏区", leader=None, department="高新处",
                      contact="张三", status="open", due_at=None)
    text = format_response(response(tickets=[card], handoff=handoff)).text
    assert "已为您登记工单 GD20250102，由高新处张三跟进。" in text
    assert "工单 GD20250101：处理中，负责人 江夏区联系人，2025-01-06前办结（已超期）" in text
    said = format_response(response(replies=[Reply(text="· GD20250101：处理中")],
                                    tickets=[card])).text
    assert said.count("GD20250101") == 1


def test_split_keeps_everything_under_the_limit() -> None:
    assert split_text("短消息") == ["短消息"]
    one_line = "这是一句很长的话，用来测试切分。" * 300  # one paragraph of ≈ 14 kB
    parts = split_text(one_line)
    assert len(parts) > 1 and "".join(parts) == one_line
    assert all(byte_length(p) <= TEXT_LIMIT_BYTES for p in parts)
    assert all(p.endswith("。") for p in parts)  # cut at sentence ends
    no_stops = "字" * 2000
    parts = split_text(no_stops)
    assert "".join(parts) == no_stops and all(byte_length(p) <= 2048 for p in parts)
    mixed = "a" * 2048 + "\n" + "中" * 10
    assert split_text(mixed) == ["a" * 2048, "中" * 10]
