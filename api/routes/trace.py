"""试一试: a question's decision trace (NLU, retrieval, decision) for admins and editors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, field_validator

from api.auth import require
from api.deps import ChatDep, DialogueDep, RuntimeDep
from api.dialogue.trace import decision_trace
from api.schemas import MAX_TEXT_CHARS
from hotline.security.accounts import StaffMember
from knowledge.text import has_control_characters

router = APIRouter(prefix="/api/admin", tags=["admin"])
Tracer = Annotated[StaffMember, Depends(require("assistant.trace"))]


class TryRequest(BaseModel):
    """A question as an enterprise would type it."""

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        if has_control_characters(value) or not value.strip():
            raise ValueError("问题不能为空，也不能含控制字符 / empty text or control characters")
        return value.strip()


@router.post("/try")
async def create_trace(body: TryRequest, runtime: RuntimeDep, chat: ChatDep,
                       dialogue: DialogueDep, member: Tracer) -> dict[str, Any]:
    """Ask as an enterprise would; see NLU, the candidates' ranks and scores, the threshold
    and the decision with why. Nothing is recorded and no ticket is opened."""
    return await decision_trace(chat, runtime, dialogue, body.text)
