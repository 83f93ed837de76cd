"""exports: the export log of ledgers and report files

Revision ID: 0011
Revises: 0010
One row per exported file: who, which filter, how many rows, the SHA-256 of the rows'
canonical form.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.storage.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('export_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('filters', sa.JSON().with_variant(
        sa.dialects.postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('rows_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_export_log_at'), 'export_log', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_export_log_at'), table_name='export_log')
    op.drop_table('export_log')
