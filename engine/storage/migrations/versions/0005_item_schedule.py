"""the sweep's schedule off the audited item row

Revision ID: 0005
Revises: 0004
Moves next_check_at and the sweep's lease (claimed_by, claimed_until) from `item` to the
scheduler's own table `item_schedule`, so that rescheduling an item writes no audit event
and bumps no version. Existing next checks of open items are copied over.

The item columns are dropped with plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a
batch copy of `item` would have to drop the table every audit event points to.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.storage.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('item_schedule',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('next_check_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state_entry_seq', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('claimed_until', engine.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('item_id')
    )
    with op.batch_alter_table('item_schedule', schema=None) as batch_op:
        batch_op.create_index('ix_item_schedule_next_check', ['next_check_at'], unique=False)
    # the leases are copied too: a sweeper of the old schema may hold one right now
    op.execute(
        "INSERT INTO item_schedule (item_id, next_check_at, state_entry_seq, claimed_by, "
        "claimed_until) SELECT id, next_check_at, state_entry_seq, claimed_by, claimed_until "
        "FROM item WHERE next_check_at IS NOT NULL AND closed_at IS NULL")
    op.drop_index('ix_item_next_check', table_name='item')
    for column in ('next_check_at', 'claimed_by', 'claimed_until'):
        op.drop_column('item', column)


def downgrade() -> None:
    op.add_column('item', sa.Column('next_check_at',
                                    engine.storage.types.UTCDateTime(timezone=True),
                                    nullable=True))
    op.add_column('item', sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64),
                                    nullable=True))
    op.add_column('item', sa.Column('claimed_until',
                                    engine.storage.types.UTCDateTime(timezone=True),
                                    nullable=True))
    op.create_index('ix_item_next_check', 'item', ['next_check_at'], unique=False)
    op.execute(
        "UPDATE item SET next_check_at = (SELECT s.next_check_at FROM item_schedule s "
        "WHERE s.item_id = item.id), claimed_by = (SELECT s.claimed_by FROM item_schedule s "
        "WHERE s.item_id = item.id), claimed_until = (SELECT s.claimed_until "
        "FROM item_schedule s WHERE s.item_id = item.id)")
    with op.batch_alter_table('item_schedule', schema=None) as batch_op:
        batch_op.drop_index('ix_item_schedule_next_check')
    op.drop_table('item_schedule')
