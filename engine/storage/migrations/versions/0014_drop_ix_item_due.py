"""drop ix_item_due: ix_item_due_id (due_at, id) serves every query it served; add
ix_audit_trigger_at

Revision ID: 0014
Revises: 0013
An index on due_at alone is a prefix of ix_item_due_id: the planner can use the wider one
for every range or order on due_at, and each item write paid for both. The performance
report counts one trigger's events in a period (acceptances): by (trigger, at) that is a
range of the index instead of every event of the period.
"""
from __future__ import annotations

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_item_due', table_name='item')
    op.create_index('ix_audit_trigger_at', 'audit_event', ['trigger', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_trigger_at', table_name='audit_event')
    op.create_index('ix_item_due', 'item', ['due_at'], unique=False)
