"""calendar: complete years and the overrides' revision

Revision ID: 0006
Revises: 0005
`calendar_year` holds the years an admin loaded as complete (`published_years` in the file):
only those stop the "unpublished year" warning, not a few override days. `calendar_revision`
is one row (id 1) that every load moves; processes compare it before planning deadlines and
reload their overrides when it changed. Years loaded before this revision are not marked
complete: reload a year's whole file with `published_years` to silence its warning.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.storage.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_year',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('updated_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    revision_table = op.create_table('calendar_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # the one row every load moves (an UPDATE: concurrent loads queue on its lock)
    op.bulk_insert(revision_table, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    op.drop_table('calendar_revision')
    op.drop_table('calendar_year')
