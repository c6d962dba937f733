"""The knowledge library: documents, versions, synonyms, re-index jobs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'library_documents',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('issuer', sa.String(length=100), nullable=False),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('doc_number', sa.String(length=64), nullable=True),
        sa.Column('effective_date', sa.Date(), nullable=True),
        sa.Column('expiry_date', sa.Date(), nullable=True),
        sa.Column('chunks', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('live_version', sa.Integer(), nullable=True),
        sa.Column('seed_version', sa.String(length=16), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('library_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_documents_state'), ['state'])
        batch_op.create_index(batch_op.f('ix_library_documents_position'), ['position'])
    op.create_table(
        'library_versions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('document_id', sa.String(length=64), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('content_version', sa.String(length=16), nullable=False),
        sa.Column('snapshot', sa.Text(), nullable=False),
        sa.Column('note', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['library_documents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id', 'number'))
    with op.batch_alter_table('library_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_versions_document_id'), ['document_id'])
    op.create_table(
        'library_synonyms',
        sa.Column('term', sa.String(length=64), nullable=False),
        sa.Column('canonical', sa.String(length=200), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('term'))
    op.create_table(
        'library_index_jobs',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('build', sa.String(length=80), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('library_index_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_index_jobs_state'), ['state'])


def downgrade() -> None:
    with op.batch_alter_table('library_index_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_index_jobs_state'))
    op.drop_table('library_index_jobs')
    op.drop_table('library_synonyms')
    with op.batch_alter_table('library_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_versions_document_id'))
    op.drop_table('library_versions')
    with op.batch_alter_table('library_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_documents_position'))
        batch_op.drop_index(batch_op.f('ix_library_documents_state'))
    op.drop_table('library_documents')
