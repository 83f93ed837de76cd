"""console sign-in: login names, password hashes, sessions, sign-in attempts

Revision ID: 0008
Revises: 0007
Tables of engine/storage/auth_tables.py, and app_user.login (unique, NULL for users who
never sign in to the console, such as the reporting platform's client).
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.storage.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.create_index('ix_app_user_login', ['login'], unique=True)

    op.create_table('user_password',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('must_change', sa.Boolean(), nullable=False),
    sa.Column('set_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('console_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', engine.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('console_session', schema=None) as batch_op:
        batch_op.create_index('ix_console_session_user_id', ['user_id'], unique=False)

    op.create_table('sign_in_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sign_in_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_attempt_login_at', ['login', 'at'], unique=False)
        batch_op.create_index('ix_sign_in_attempt_address_at', ['address', 'at'], unique=False)


def downgrade() -> None:
    op.drop_table('sign_in_attempt')
    op.drop_table('console_session')
    op.drop_table('user_password')
    # plain DROP COLUMN (SQLite >= 3.35), not a batch copy: with foreign keys on, copying
    # app_user would mean dropping the table that items, events and sessions point to
    op.drop_index('ix_app_user_login', table_name='app_user')
    op.drop_column('app_user', 'login')
