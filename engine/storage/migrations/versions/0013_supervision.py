"""supervision: notices (督办), their raise marks, extension requests (延期)

Revision ID: 0013
Revises: 0012
One row per notice and per extension request, the sweep's unique raise marks, and the
item's counts of notices by level (kept by the one writer, read by lists).
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.storage.types

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.create_table('extension_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_state', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('state_entry_seq', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('days_asked', sa.Integer(), nullable=False),
    sa.Column('days_granted', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('requested_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('decided_at', engine.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('original_due_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('new_due_at', engine.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_extension_request_decided', 'extension_request', ['decided_at'], unique=False)
    op.create_index('ix_extension_request_item', 'extension_request', ['item_id', 'state_entry_seq'], unique=False)

    op.create_table('supervision_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('requirement', sa.Text(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('issuer_jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('reply_working_days', sa.Integer(), nullable=False),
    sa.Column('issued_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_due_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reply_due_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_at', engine.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_replied_at', engine.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', engine.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('raises', sa.Integer(), nullable=False),
    sa.Column('issue_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issuer_jurisdiction_id'], ['jurisdiction.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_supervision_notice_due', 'supervision_notice', ['state', 'reply_due_at'], unique=False)
    op.create_index('ix_supervision_notice_issued', 'supervision_notice', ['issued_at'], unique=False)
    op.create_index('ix_supervision_notice_item', 'supervision_notice', ['item_id', 'level'], unique=False)

    op.create_table('supervision_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('audit_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['supervision_notice.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notice_id', 'step', name='uq_supervision_mark')
    )
    op.add_column('item', sa.Column('supervision_counts', sa.JSON().with_variant(
        sa.dialects.postgresql.JSONB(), 'postgresql'), nullable=True))

def downgrade() -> None:
    op.drop_column('item', 'supervision_counts')

    op.drop_table('supervision_mark')
    op.drop_index('ix_supervision_notice_item', table_name='supervision_notice')
    op.drop_index('ix_supervision_notice_issued', table_name='supervision_notice')
    op.drop_index('ix_supervision_notice_due', table_name='supervision_notice')

    op.drop_table('supervision_notice')
    op.drop_index('ix_extension_request_item', table_name='extension_request')
    op.drop_index('ix_extension_request_decided', table_name='extension_request')

    op.drop_table('extension_request')
