"""The dashboard's daily counts (kept as turns, votes and ratings are logged), and the time
indexes the problem list and the dashboard read through.

The counts of the rows already stored are computed once here (``rebuild``: one streaming
pass over chat_turns, answer_votes and ratings).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'daily_counts',
        sa.Column('metric', sa.String(length=16), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('label', sa.String(length=16), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('metric', 'day', 'channel', 'label'))
    op.create_table(
        'conversation_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('session_id', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('day', 'channel', 'session_id'))
    with op.batch_alter_table('chat_turns', schema=None) as batch_op:
        batch_op.create_index('ix_chat_turns_outcome_created_at', ['outcome', 'created_at'])
        batch_op.create_index('ix_chat_turns_intent_created_at', ['intent', 'created_at'])
    for table in ('answer_votes', 'ratings', 'tickets'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_created_at'), ['created_at'])
    from hotline.reports.rollups import rebuild  # the listeners' own rules, applied to the past
    rebuild(op.get_bind())


def downgrade() -> None:
    for table in ('tickets', 'ratings', 'answer_votes'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_created_at'))
    with op.batch_alter_table('chat_turns', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_turns_intent_created_at')
        batch_op.drop_index('ix_chat_turns_outcome_created_at')
    op.drop_table('conversation_days')
    op.drop_table('daily_counts')
