"""The life cycle as data: every allowed move, and the ones refused."""

from __future__ import annotations

import pytest

from hotline.tickets.lifecycle import TransitionError, allowed_actions, next_status


@pytest.mark.parametrize(("start", "action", "end"), [
    ("new", "assign", "assigned"), ("new", "transfer", "assigned"),
    ("assigned", "contact", "contacted"), ("assigned", "transfer", "assigned"),
    ("contacted", "resolve", "resolved"), ("resolved", "rate", "rated"),
    ("rated", "close", "closed"), ("resolved", "close", "closed"),
    ("closed", "reopen", "reopened"), ("reopened", "resolve", "resolved"),
    ("contacted", "escalate", "escalated"), ("escalated", "resolve", "resolved"),
    ("contacted", "note", "contacted"),
])
def test_allowed_moves(start: str, action: str, end: str) -> None:
    assert next_status(start, action) == end


@pytest.mark.parametrize(("start", "action"), [
    ("new", "resolve"),          # no resolving an unassigned ticket
    ("new", "contact"), ("assigned", "rate"), ("contacted", "close"),
    ("closed", "resolve"), ("escalated", "escalate"), ("rated", "rate"),
])
def test_refused_moves(start: str, action: str) -> None:
    with pytest.raises(TransitionError):
        next_status(start, action)


def test_unknown_action_is_refused() -> None:
    with pytest.raises(TransitionError, match="unknown action"):
        next_status("new", "teleport")


def test_new_ticket_offers_only_what_it_allows() -> None:
    assert "resolve" not in allowed_actions("new")
    assert {"assign", "transfer", "escalate", "note"} <= set(allowed_actions("new"))
