"""Opt-in policy notices: subscriptions, documents' topics, announcement claims and the
weekly counters (hotline/subscriptions).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'subscriptions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('identity', sa.String(length=128), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('identity', 'topic', name='uq_subscriptions_identity_topic'))
    op.create_index('ix_subscriptions_identity', 'subscriptions', ['identity'])
    op.create_index('ix_subscriptions_topic', 'subscriptions', ['topic'])
    op.create_table(
        'document_topics',
        sa.Column('document_id', sa.String(length=64), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['library_documents.id']),
        sa.PrimaryKeyConstraint('document_id', 'topic'))
    op.create_table(
        'subscription_announcements',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('publish_key', sa.String(length=96), nullable=False),
        sa.Column('identity', sa.String(length=128), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('publish_key', 'identity',
                            name='uq_subscription_announcements_publish_identity'))
    op.create_index('ix_subscription_announcements_identity', 'subscription_announcements',
                    ['identity'])
    op.create_table(
        'subscription_weekly_counts',
        sa.Column('identity', sa.String(length=128), nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('identity', 'week'))


def downgrade() -> None:
    op.drop_table('subscription_weekly_counts')
    op.drop_index('ix_subscription_announcements_identity',
                  table_name='subscription_announcements')
    op.drop_table('subscription_announcements')
    op.drop_table('document_topics')
    op.drop_index('ix_subscriptions_topic', table_name='subscriptions')
    op.drop_index('ix_subscriptions_identity', table_name='subscriptions')
    op.drop_table('subscriptions')
