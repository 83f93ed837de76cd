"""sweep heartbeat: what the sweeps have done, for /metrics

Revision ID: 0012
Revises: 0011
One row per sweep job: the last successful run (time, duration, worker) and the duration
histogram as counts per bucket, updated by increments.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.storage.types

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BUCKETS = ('le_0_1', 'le_0_5', 'le_1', 'le_5', 'le_15', 'le_60', 'le_300')


def upgrade() -> None:
    op.create_table('sweep_heartbeat',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('last_success_at', engine.storage.types.UTCDateTime(timezone=True),
              nullable=False),
    sa.Column('last_duration_s', sa.Float(), nullable=False),
    sa.Column('last_worker', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('duration_sum_s', sa.Float(), nullable=False),
    *(sa.Column(b, sa.Integer(), nullable=False) for b in BUCKETS),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('sweep_heartbeat')
