"""Suggested answers for hotline staff and district liaisons (staff key required)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import RuntimeDep
from api.schemas import Suggestion, SuggestRequest, SuggestResponse
from assistant.suggestions import suggest
from hotline.security.accounts import StaffMember

router = APIRouter(prefix="/api/assist", tags=["assist"])


@router.post("/suggest", response_model=SuggestResponse)
async def create_suggestions(
        request: SuggestRequest, runtime: RuntimeDep,
        staff: Annotated[StaffMember, Depends(require("assist.suggest"))]) -> SuggestResponse:
    """Ranked suggested answers, each with its citation, for a question staff are handling."""
    if runtime.searcher is None:
        raise HTTPException(503, detail=f"检索索引暂不可用 / index unavailable: "
                                        f"{runtime.index_state.detail}")
    items = await run_in_threadpool(suggest, runtime.knowledge, runtime.searcher,
                                    request.question, request.k,
                                    runtime.answer_threshold)
    suggestions = [
        Suggestion(rank=rank, text=item.text, confidence=item.confidence,
                   reliable=item.reliable, citation=item.citation)
        for rank, item in enumerate(items, start=1)
    ]
    return SuggestResponse(question=request.question, suggestions=suggestions,
                           count=len(suggestions))
