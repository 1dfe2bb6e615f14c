"""snapshot evaluation state: the checks a snapshot's run evaluates, and when they all were

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_checks', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True))
    # Rows written before this revision cannot say whether their checks finished; they were trusted so far.
    op.execute("UPDATE snapshots SET checked_at = ingested_at")


def downgrade() -> None:
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_column('checked_at')
        batch_op.drop_column('expected_checks')
