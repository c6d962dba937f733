"""A document's states and the moves between them, and which scope each move needs.

::

    draft ──submit──▶ in_review ──publish──▶ published ──withdraw──▶ withdrawn (废止)
      ▲                  │                      │                       │
      └─────return───────┘   an edit ◀──────────┴───────────────────────┘ (back to draft)

A published document stays served (its last published version) while a revision of it is
a draft or in review; withdrawing stops serving it. ``restore`` (admins) publishes an older
version again as a new version.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where a document's working copy stands."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {State.DRAFT: "草稿", State.IN_REVIEW: "待审核", State.PUBLISHED: "已发布",
                State.WITHDRAWN: "已废止"}


class Move(StrEnum):
    """A transition an editor or admin asks for."""

    SUBMIT = "submit"
    RETURN = "return"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"


# move → (states it starts from, state it leads to, scope it needs)
MOVES: dict[Move, tuple[frozenset[State], State, str]] = {
    Move.SUBMIT: (frozenset({State.DRAFT}), State.IN_REVIEW, "knowledge.edit"),
    Move.RETURN: (frozenset({State.IN_REVIEW}), State.DRAFT, "knowledge.publish"),
    Move.PUBLISH: (frozenset({State.IN_REVIEW}), State.PUBLISHED, "knowledge.publish"),
    Move.WITHDRAW: (frozenset({State.PUBLISHED, State.DRAFT, State.IN_REVIEW}),
                    State.WITHDRAWN, "knowledge.publish"),
}
EDITABLE = frozenset({State.DRAFT, State.PUBLISHED, State.WITHDRAWN})


class TransitionError(ValueError):
    """The move is not possible from the document's state (a 409 at the edge)."""


def target_of(move: Move, state: State) -> State:
    """The state ``move`` leads to from ``state``; :class:`TransitionError` if none."""
    sources, target, _scope = MOVES[move]
    if state not in sources:
        raise TransitionError(f"{STATE_LABELS[state]}状态的文档不能执行“{MOVE_LABELS[move]}”")
    return target


MOVE_LABELS = {Move.SUBMIT: "提交审核", Move.RETURN: "退回修改", Move.PUBLISH: "发布",
               Move.WITHDRAW: "废止"}
