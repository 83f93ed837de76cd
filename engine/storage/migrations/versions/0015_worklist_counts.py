"""worklist counts: covering indexes of a handler's scope for the 工作台's tab counts

Revision ID: 0015
Revises: 0014
The tab counts (engine.items.worklists.count_work_tabs) run one query per alternative of a
handler's scope: their unit's items, and those assigned to them outside it. Each reads only
unit, assignee, state, closed and due: with these indexes it is a range of one index, read
without the table (SQLite "COVERING INDEX", PostgreSQL "Index Only Scan").
"""
from __future__ import annotations

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

COLUMNS = ['state', 'closed_at', 'due_at']


def upgrade() -> None:
    op.create_index('ix_item_unit_work', 'item', ['unit_id', 'assignee_id', *COLUMNS],
                    unique=False)
    op.create_index('ix_item_assignee_work', 'item', ['assignee_id', 'unit_id', *COLUMNS],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_item_assignee_work', table_name='item')
    op.drop_index('ix_item_unit_work', table_name='item')
