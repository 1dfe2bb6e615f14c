-- A second database for the dq_monitor findings store, beside Dagster's own (both use alembic).
CREATE DATABASE dq_monitor;
