"""problem list: resolutions of problem items and cached embeddings of their texts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('problem_resolutions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('group_label', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('session_id', sa.String(length=128), nullable=True),
    sa.Column('occurred_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('staff', sa.String(length=64), nullable=False),
    sa.Column('resolved_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_key')
    )
    with op.batch_alter_table('problem_resolutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_resolutions_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_resolutions_resolved_at'), ['resolved_at'], unique=False)

    op.create_table('problem_vectors',
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=32), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('text_sha256', 'model')
    )


def downgrade() -> None:
    op.drop_table('problem_vectors')
    with op.batch_alter_table('problem_resolutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_resolutions_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_problem_resolutions_group_id'))

    op.drop_table('problem_resolutions')
