"""The directory + gazetteer versions and the Rasa retrain jobs (the directory editor).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'directory_versions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('seed_hash', sa.String(length=64), nullable=True),
        sa.Column('nlu_fingerprint', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'rasa_training_jobs',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('nlu_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('step', sa.String(length=32), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.Column('model_path', sa.String(length=500), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('log', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('rasa_training_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rasa_training_jobs_status'), ['status'])


def downgrade() -> None:
    with op.batch_alter_table('rasa_training_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rasa_training_jobs_status'))
    op.drop_table('rasa_training_jobs')
    op.drop_table('directory_versions')
