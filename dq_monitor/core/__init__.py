"""Shared vocabulary of every layer: outcomes and findings, severities, names, durations, statistics.

Nothing here imports dagster or any other dq_monitor package.
"""
