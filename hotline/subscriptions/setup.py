"""Build the subscription service from settings and hook it into the library's publish."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from hotline.library.service import Library
from hotline.notifications.notifier import CompositeNotifier
from hotline.settings import Settings
from hotline.subscriptions.service import Publish, SubscriptionService
from knowledge.models import DocKind, Document


def publish_of(document: Document, version: int) -> Publish:
    """The publish of ``document``'s version ``version`` (a FAQ carries its answer)."""
    title, answer = document.title, None
    if document.kind == DocKind.FAQ and document.chunks:  # the question and its answer
        title, answer = document.chunks[0].text, document.chunks[0].answer or None
    return Publish(document.id, version, str(document.kind), title, document.doc_number,
                   document.source, answer)


def build_subscriptions(settings: Settings, sessions: sessionmaker[Session],
                        notifier: CompositeNotifier, library: Library) -> SubscriptionService:
    """The service, announcing every publish of ``library`` (in the publish's transaction)."""
    service = SubscriptionService(sessions, notifier, settings.SUBSCRIPTION_WEEKLY_CAP)

    def announce(session: Session, document: Document, version: int) -> None:
        service.announce(session, publish_of(document, version))

    library.publish_hooks.append(announce)
    return service
