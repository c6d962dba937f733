"""Custom actions for the Rasa server, written with rasa-sdk and served by this app.

Rasa calls ``POST /webhook/actions``; :func:`build_executor` registers one instance of each
action, bound to the app's runtime, so the actions share the app's single index.
"""

from __future__ import annotations

from rasa_sdk.executor import ActionExecutor

from api.actions.appointments import ACTIONS as APPOINTMENT_ACTIONS
from api.actions.handoff_form import ValidateHandoffForm
from api.actions.knowledge import ActionAnswerFromKnowledge
from api.actions.liaison import ActionLookupLiaison
from api.actions.registry import ActionLookupRegistry
from api.actions.routing import ActionAnswerFirst
from api.actions.subscriptions import ActionSubscriptions
from api.actions.tickets import (
    ActionAskRating,
    ActionCreateTicket,
    ActionRateService,
    ActionTicketStatus,
)
from api.runtime import Runtime

__all__ = ["build_executor"]


def build_executor(runtime: Runtime) -> ActionExecutor:
    """An executor with every action of the app registered."""
    executor = ActionExecutor()
    for action in (ActionAnswerFromKnowledge(runtime), ActionAnswerFirst(runtime),
                   ActionLookupLiaison(runtime), ActionLookupRegistry(runtime),
                   ValidateHandoffForm(runtime), ActionCreateTicket(runtime),
                   ActionTicketStatus(runtime), ActionRateService(runtime),
                   ActionAskRating(runtime), ActionSubscriptions(runtime),
                   *(action(runtime) for action in APPOINTMENT_ACTIONS)):
        executor.register_action(action)
    return executor
