"""item scope per role: role_scope, item.created_by

Revision ID: 0007
Revises: 0006
`role_scope` holds the scope of each role (subtree | unit | own_submissions), as shipped and
as an org file's `roles:` declares it; `item.created_by` the user who handed an item in,
filled for existing items from their `create` audit event.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('role_scope',
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.PrimaryKeyConstraint('role')
    )
    # plain ALTER TABLE on both databases (not batch mode): SQLite adds a nullable column in
    # place, where a batch would rebuild the item table that audit_event references
    op.add_column('item', sa.Column('created_by', sa.Integer(), nullable=True))
    op.create_index('ix_item_created_by_id', 'item', ['created_by', 'id'], unique=False)
    # a handler's queue newest first, one ordered range scan per unit and per assignee
    # (SQLite's single-column index carried the rowid already; PostgreSQL's did not)
    for column in ('unit_id', 'assignee_id'):
        op.drop_index(f'ix_item_{column}', table_name='item')
        op.create_index(f'ix_item_{column}', 'item', [column, 'id'], unique=False)
    # who handed each existing item in: the actor of its first audit event ("user:<id>")
    op.execute(
        "UPDATE item SET created_by = (SELECT CAST(substr(e.actor, 6) AS INTEGER) "
        "FROM audit_event e WHERE e.item_id = item.id AND e.seq = 1 "
        "AND e.actor LIKE 'user:%')")
    # The shipped declaration, the one cli/examples/org.yaml states, so that an installation
    # set up over HTTP alone has one too; an org file's `roles:` replaces it.
    op.bulk_insert(sa.table('role_scope', sa.column('role'), sa.column('scope')), [
        {'role': 'admin', 'scope': 'subtree'},
        {'role': 'supervisor', 'scope': 'subtree'},
        {'role': 'office', 'scope': 'subtree'},
        {'role': 'handler', 'scope': 'unit'},
        {'role': 'client', 'scope': 'own_submissions'},
    ])


def downgrade() -> None:
    for column in ('unit_id', 'assignee_id'):
        op.drop_index(f'ix_item_{column}', table_name='item')
        op.create_index(f'ix_item_{column}', 'item', [column], unique=False)
    op.drop_index('ix_item_created_by_id', table_name='item')
    # SQLite 3.35+ drops a column in place (no index or key uses it any more)
    op.drop_column('item', 'created_by')
    op.drop_table('role_scope')
