"""The registries: imported versions and the rows of the three registries.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'active'")


def _rows(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('row', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(['version_id'], ['registry_versions.id']),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_version_id'), ['version_id'])


def upgrade() -> None:
    op.create_table(
        'registry_versions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('published_on', sa.Date(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('encoding', sa.String(length=16), nullable=False),
        sa.Column('generated', sa.Boolean(), nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('rejected_count', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Text(), nullable=False),
        sa.Column('imported_by', sa.String(length=64), nullable=False),
        sa.Column('imported_at', UTCDateTime(), nullable=False),
        sa.Column('activated_by', sa.String(length=64), nullable=True),
        sa.Column('activated_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('registry_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_versions_kind'), ['kind'])
        batch_op.create_index('ux_registry_versions_active', ['kind'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    _rows('registry_hightech',
          sa.Column('certificate_no', sa.String(length=14), nullable=False),
          sa.Column('issued_on', sa.Date(), nullable=False),
          sa.Column('valid_until', sa.Date(), nullable=False))
    with op.batch_alter_table('registry_hightech', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_hightech_certificate_no'),
                              ['certificate_no'])
    _rows('registry_incubators',
          sa.Column('level', sa.String(length=8), nullable=False),
          sa.Column('kind', sa.String(length=8), nullable=False),
          sa.Column('district', sa.String(length=64), nullable=False),
          sa.Column('address', sa.String(length=200), nullable=False),
          sa.Column('operator', sa.String(length=200), nullable=False))
    _rows('registry_commissioners',
          sa.Column('field', sa.String(length=200), nullable=False),
          sa.Column('unit', sa.String(length=200), nullable=False),
          sa.Column('district', sa.String(length=64), nullable=False))


def downgrade() -> None:
    for name in ('registry_commissioners', 'registry_incubators', 'registry_hightech'):
        op.drop_table(name)
    with op.batch_alter_table('registry_versions', schema=None) as batch_op:
        batch_op.drop_index('ux_registry_versions_active', sqlite_where=ACTIVE,
                            postgresql_where=ACTIVE)
        batch_op.drop_index(batch_op.f('ix_registry_versions_kind'))
    op.drop_table('registry_versions')
