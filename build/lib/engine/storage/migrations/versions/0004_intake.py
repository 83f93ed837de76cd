"""lead intake: reporter identity, receipts, links

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.storage.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('receipt_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('receipt_failure', schema=None) as batch_op:
        batch_op.create_index('ix_receipt_failure_caller_at', ['caller', 'at'], unique=False)
        batch_op.create_index('ix_receipt_failure_client_at', ['client', 'at'], unique=False)

    op.create_table('item_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.ForeignKeyConstraint(['other_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'other_id', 'kind', name='uq_item_link')
    )
    with op.batch_alter_table('item_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_link_item_id'), ['item_id'], unique=False)

    op.create_table('lead_subject',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('subject_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('item_id')
    )
    with op.batch_alter_table('lead_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_subject_subject_key'), ['subject_key'],
                              unique=False)

    op.create_table('receipt_code',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('item_id'),
    sa.UniqueConstraint('code_hash')
    )
    op.create_table('reporter_identity',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('nonce', sa.LargeBinary(), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('item_id')
    )


def downgrade() -> None:
    op.drop_table('reporter_identity')
    op.drop_table('receipt_code')
    with op.batch_alter_table('lead_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_subject_subject_key'))
    op.drop_table('lead_subject')
    with op.batch_alter_table('item_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_link_item_id'))
    op.drop_table('item_link')
    with op.batch_alter_table('receipt_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_receipt_failure_client_at')
        batch_op.drop_index('ix_receipt_failure_caller_at')
    op.drop_table('receipt_failure')
