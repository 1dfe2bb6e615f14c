"""initial findings store

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('check_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=200), nullable=False),
    sa.Column('snapshot', sa.String(length=400), nullable=False),
    sa.Column('check', sa.String(length=300), nullable=False),
    sa.Column('asset_key', sa.String(length=400), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('metadata', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset', 'snapshot', 'check', name='uq_check_evaluations_key')
    )
    with op.batch_alter_table('check_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_evaluations_dataset'), ['dataset'], unique=False)

    op.create_table('expected_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=200), nullable=False),
    sa.Column('snapshot', sa.String(length=400), nullable=False),
    sa.Column('check', sa.String(length=300), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('marked_by', sa.String(length=200), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset', 'snapshot', 'check', name='uq_expected_marks_key')
    )
    op.create_table('findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('dataset', sa.String(length=200), nullable=False),
    sa.Column('snapshot', sa.String(length=400), nullable=False),
    sa.Column('check', sa.String(length=300), nullable=False),
    sa.Column('check_type', sa.String(length=50), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.Column('alert_state', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fingerprint')
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index('ix_findings_alert_state', ['alert_state'], unique=False)
        batch_op.create_index('ix_findings_dataset_snapshot_check', ['dataset', 'snapshot', 'check'], unique=False)

    op.create_table('metrics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=200), nullable=False),
    sa.Column('snapshot', sa.String(length=400), nullable=False),
    sa.Column('metric', sa.String(length=400), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset', 'snapshot', 'metric', name='uq_metrics_key')
    )
    with op.batch_alter_table('metrics', schema=None) as batch_op:
        batch_op.create_index('ix_metrics_dataset_metric_time', ['dataset', 'metric', 'observed_at'], unique=False)

    op.create_table('snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=200), nullable=False),
    sa.Column('snapshot', sa.String(length=400), nullable=False),
    sa.Column('source_path', sa.Text(), nullable=False),
    sa.Column('snapshot_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=True),
    sa.Column('bytes', sa.Integer(), nullable=True),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('max_timestamp', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_problems', sa.JSON(), nullable=False),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset', 'snapshot', name='uq_snapshots_dataset_snapshot')
    )
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snapshots_dataset'), ['dataset'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_snapshots_dataset'))

    op.drop_table('snapshots')
    with op.batch_alter_table('metrics', schema=None) as batch_op:
        batch_op.drop_index('ix_metrics_dataset_metric_time')

    op.drop_table('metrics')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_dataset_snapshot_check')
        batch_op.drop_index('ix_findings_alert_state')

    op.drop_table('findings')
    op.drop_table('expected_marks')
    with op.batch_alter_table('check_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_evaluations_dataset'))

    op.drop_table('check_evaluations')
    
