"""Appointments (slots with their booking counter, bookings) and notifications about them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'appointment_slots',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('calendar', sa.String(length=32), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('start', sa.String(length=5), nullable=False),
        sa.Column('booked', sa.Integer(), nullable=False),
        sa.Column('blocked', sa.Boolean(), nullable=False),
        sa.Column('block_reason', sa.String(length=200), nullable=True),
        sa.Column('blocked_by', sa.String(length=64), nullable=True),
        sa.CheckConstraint('booked >= 0', name='ck_appointment_slots_booked'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('calendar', 'day', 'start',
                            name='uq_appointment_slots_calendar_day_start'))
    op.create_table(
        'appointments',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('slot_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.String(length=128), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('service_item', sa.String(length=64), nullable=False),
        sa.Column('company', sa.String(length=128), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('booked_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('reminded_at', UTCDateTime(), nullable=True),
        sa.Column('marked_by', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['slot_id'], ['appointment_slots.id']),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_slot_id'), ['slot_id'])
        batch_op.create_index(batch_op.f('ix_appointments_session_id'), ['session_id'])
        batch_op.create_index('ix_appointments_status_slot', ['status', 'slot_id'])
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appointment_id', sa.Integer(), nullable=True))
        batch_op.alter_column('ticket_id', existing_type=sa.String(length=32), nullable=True)
        batch_op.create_index(batch_op.f('ix_notifications_appointment_id'), ['appointment_id'])


def downgrade() -> None:
    # notifications about appointments go with them (the column cannot be NOT NULL otherwise)
    op.execute("DELETE FROM notification_deliveries WHERE notification_id IN "
               "(SELECT id FROM notifications WHERE ticket_id IS NULL)")
    op.execute("DELETE FROM notifications WHERE ticket_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_appointment_id'))
        batch_op.alter_column('ticket_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('appointment_id')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_status_slot')
        batch_op.drop_index(batch_op.f('ix_appointments_session_id'))
        batch_op.drop_index(batch_op.f('ix_appointments_slot_id'))
    op.drop_table('appointments')
    op.drop_table('appointment_slots')
