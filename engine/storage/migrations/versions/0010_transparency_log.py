"""transparency log: leaves, perfect-subtree nodes, head, checkpoints, cosignatures

Revision ID: 0010
Revises: 0009
Tables of engine/storage/tlog_tables.py. Every one but the head is append-only (UPDATE,
DELETE and, on PostgreSQL, TRUNCATE fail); the head row may be updated but not deleted, and
its size never decreases.
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.storage.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

APPEND_ONLY = ('tlog_leaf', 'tlog_node', 'tlog_checkpoint', 'tlog_cosignature')
EMPTY_ROOT = hashlib.sha256(b'').digest()  # RFC 6962: the root of the empty tree


def upgrade() -> None:
    op.create_table('tlog_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.LargeBinary(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('size')
    )
    head = op.create_table('tlog_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.LargeBinary(), nullable=False),
    sa.Column('floor_event_id', sa.BigInteger(), nullable=False),
    sa.Column('pending_event_id', sa.BigInteger(), nullable=False),
    sa.Column('pending_xmax', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', engine.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('tlog_leaf',
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('idx'),
    sa.UniqueConstraint('event_id')
    )
    op.create_table('tlog_node',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx')
    )
    op.create_table('tlog_cosignature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('witness', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('key_id', sa.BigInteger(), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('signed_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['tlog_checkpoint.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('checkpoint_id', 'witness', 'key_id', name='uq_tlog_cosignature')
    )
    with op.batch_alter_table('tlog_cosignature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tlog_cosignature_checkpoint_id'),
                              ['checkpoint_id'], unique=False)

    # the empty log: the sequencer only ever updates this row
    op.bulk_insert(head, [{'id': 1, 'size': 0, 'root': EMPTY_ROOT, 'floor_event_id': 0,
                           'pending_event_id': 0, 'pending_xmax': 0, 'updated_at': None}])
    create_guards()


def downgrade() -> None:
    drop_guards()
    with op.batch_alter_table('tlog_cosignature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tlog_cosignature_checkpoint_id'))

    op.drop_table('tlog_cosignature')
    op.drop_table('tlog_node')
    op.drop_table('tlog_leaf')
    op.drop_table('tlog_head')
    op.drop_table('tlog_checkpoint')


# As audit_event's guard (0001): whoever has DDL rights can still drop these, and
# `leadflow verify --checkpoint` and the witnesses catch what follows.
def create_guards() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION tlog_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        op.execute(
            "CREATE FUNCTION tlog_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the tlog head cannot be deleted or shrink'; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION tlog_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION tlog_append_only()")
        op.execute("CREATE TRIGGER tlog_head_no_delete BEFORE DELETE ON tlog_head "
                   "FOR EACH ROW EXECUTE FUNCTION tlog_head_forward_only()")
        op.execute("CREATE TRIGGER tlog_head_no_shrink BEFORE UPDATE ON tlog_head FOR EACH ROW "
                   "WHEN (NEW.size < OLD.size) EXECUTE FUNCTION tlog_head_forward_only()")
        op.execute("CREATE TRIGGER tlog_head_no_truncate BEFORE TRUNCATE ON tlog_head "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tlog_head_forward_only()")
        return
    for table in APPEND_ONLY:
        for action in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    op.execute("CREATE TRIGGER tlog_head_no_delete BEFORE DELETE ON tlog_head "
               "BEGIN SELECT RAISE(ABORT, 'the tlog head cannot be deleted'); END")
    op.execute("CREATE TRIGGER tlog_head_no_shrink BEFORE UPDATE ON tlog_head "
               "WHEN NEW.size < OLD.size "
               "BEGIN SELECT RAISE(ABORT, 'the tlog head cannot shrink'); END")


def drop_guards() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        for name in ('no_delete', 'no_shrink', 'no_truncate'):
            op.execute(f"DROP TRIGGER IF EXISTS tlog_head_{name} ON tlog_head")
        op.execute("DROP FUNCTION IF EXISTS tlog_append_only()")
        op.execute("DROP FUNCTION IF EXISTS tlog_head_forward_only()")
        return
    for table in APPEND_ONLY:
        for action in ('update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    op.execute("DROP TRIGGER IF EXISTS tlog_head_no_delete")
    op.execute("DROP TRIGGER IF EXISTS tlog_head_no_shrink")
