"""alert delivery ledger and silences

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('alert_deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('receiver', sa.String(length=400), nullable=False),
    sa.Column('group_key', sa.Text(), nullable=False),
    sa.Column('group_hash', sa.String(length=40), nullable=False),
    sa.Column('set_hash', sa.String(length=40), nullable=False),
    sa.Column('firing', sa.JSON(), nullable=False),
    sa.Column('resolved', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('permanent', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payload_digest', sa.String(length=64), nullable=True),
    sa.Column('first_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_alert_deliveries_group', ['group_hash', 'receiver', 'status'], unique=False)
        batch_op.create_index('ix_alert_deliveries_status', ['status'], unique=False)

    op.create_table('alert_silences',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('matchers', sa.JSON(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert_silences', schema=None) as batch_op:
        batch_op.create_index('ix_alert_silences_ends_at', ['ends_at'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('alert_silences', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_silences_ends_at')

    op.drop_table('alert_silences')
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_deliveries_status')
        batch_op.drop_index('ix_alert_deliveries_group')

    op.drop_table('alert_deliveries')
    
