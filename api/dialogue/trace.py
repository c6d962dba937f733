"""试一试: one question's decision trace for the admin console.

Nothing here decides anything. The decision is the one the chat path makes
(:meth:`ChatService.rehearse <api.dialogue.chat.ChatService.rehearse>`: Rasa and its actions,
or the direct assistant when Rasa is down); NLU is Rasa's own ``/model/parse``; the
retrieval part is the trace :meth:`DirectAssistant.policy
<assistant.assistant.DirectAssistant.policy>` returns with its turn (the search, the
threshold it applied and why) — the same call the knowledge actions make.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from api.dialogue.chat import ChatService
from api.dialogue.rasa_client import DialogueUnavailable
from api.dialogue.rasa_pool import DialogueClient
from api.runtime import Runtime
from assistant.assistant import PolicyTrace

MAX_RANKING = 5
KNOWLEDGE_INTENTS = frozenset({"ask_policy", "out_of_scope", "nlu_fallback"})
HANDOFF_INTENTS = frozenset({"request_human", "complain"})
OUTCOME_LABELS = {"answered": "作答", "declined": "拒答", "referred": "转介其他部门",
                  "liaison": "包区联系人", "registry": "名单查询", "handoff": "转人工", "smalltalk": "寒暄",
                  "dialogue": "对话流程"}
NLU_DOWN = "NLU（Rasa）不可用：只显示检索部分，决定由直接模式给出"


async def parse_nlu(dialogue: DialogueClient | None, text: str) -> dict[str, Any]:
    """Rasa's intent, its ranking and the entities; ``available`` False when Rasa is down."""
    if dialogue is None:
        return {"available": False, "message": NLU_DOWN}
    try:
        parsed = await dialogue.parse(text)
    except DialogueUnavailable:
        return {"available": False, "message": NLU_DOWN}
    intent = parsed.get("intent") or {}
    ranking = [{"name": str(item.get("name")), "confidence": float(item.get("confidence") or 0)}
               for item in (parsed.get("intent_ranking") or [])[:MAX_RANKING]
               if isinstance(item, dict)]
    entities = [{"entity": str(item.get("entity")), "value": str(item.get("value")),
                 "start": item.get("start"), "end": item.get("end"),
                 "extractor": item.get("extractor")}
                for item in parsed.get("entities") or [] if isinstance(item, dict)]
    return {"available": True, "intent": intent.get("name"),
            "confidence": float(intent.get("confidence") or 0), "ranking": ranking,
            "entities": entities}


def retrieval_trace(runtime: Runtime, trace: PolicyTrace | None) -> dict[str, Any]:
    """The candidates with their dense and BM25 ranks, fused score and confidence."""
    if trace is None or trace.result is None:
        return {"available": False, "message": trace.reason if trace else "没有检索"}
    candidates = []
    for rank, hit in enumerate(trace.result.hits, start=1):
        chunk = runtime.knowledge.chunk(hit.chunk_id)
        document = runtime.knowledge.document(chunk.doc_id)
        candidates.append({
            "rank": rank, "chunk_id": hit.chunk_id, "title": document.title,
            "section": chunk.section, "unit": hit.best_unit.kind.value,
            "dense": round(hit.dense, 4), "dense_rank": hit.dense_rank,
            "bm25": round(hit.sparse, 4), "bm25_rank": hit.sparse_rank,
            "fused": round(hit.score, 4), "confidence": round(hit.confidence, 4)})
    return {"available": True, "confidence": trace.confidence,
            "threshold": trace.threshold, "answer_threshold": trace.answer_threshold,
            "referral": trace.referral, "reason": trace.reason, "candidates": candidates}


def _why(outcome: str, intent: str | None, trace: PolicyTrace | None,
         policy_outcome: str) -> str:
    name = intent or "无"
    if outcome in ("answered", "declined", "referred") and outcome == policy_outcome and trace:
        if intent in KNOWLEDGE_INTENTS or intent is None:
            return f"意图 {name} → 查知识库：{trace.reason}"
        return f"意图 {name}，但消息带有问题 → 先查知识库（答案优先）：{trace.reason}"
    if outcome == "liaison":
        return f"意图 {name} → 问的是区或领导的包区联系人，从附件名录作答"
    if outcome == "handoff":
        return f"意图 {name} → 转人工：收集企业名称和电话后生成工单（试一试不生成工单）"
    if outcome == "smalltalk":
        return f"意图 {name} → 寒暄，不查知识库"
    if outcome in ("answered", "declined", "referred"):
        return f"意图 {name} → {OUTCOME_LABELS[outcome]}"
    return f"意图 {name} → Rasa 按对话规则回复"


async def decision_trace(chat: ChatService, runtime: Runtime, dialogue: DialogueClient | None,
                         text: str) -> dict[str, Any]:
    """NLU, retrieval and the decision for one question, as the chat path makes it."""
    nlu = await parse_nlu(dialogue, text)
    policy = await run_in_threadpool(runtime.assistant().policy, text)
    rehearsal = await chat.rehearse(text)
    response = rehearsal.response
    outcome = rehearsal.outcome or ("handoff" if response.intent in HANDOFF_INTENTS
                                    else "dialogue")
    answer = response.answer
    return {
        "text": text, "nlu": nlu, "retrieval": retrieval_trace(runtime, policy.trace),
        "decision": {
            "outcome": outcome, "label": OUTCOME_LABELS.get(outcome, outcome),
            "intent": response.intent, "degraded": response.degraded,
            "why": _why(outcome, response.intent, policy.trace, policy.outcome),
            "confidence": answer.confidence if answer else None,
            "citations": [c.model_dump() for c in answer.citations] if answer else [],
            "replies": [reply.text for reply in response.replies],
        },
    }
