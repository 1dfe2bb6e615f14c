"""Readability: every file of the snapshot could be read completely."""

from __future__ import annotations

from collections.abc import Sequence

from dq_monitor.core.names import readable_check
from dq_monitor.core.outcome import CheckOutcome, Finding, Severity
from dq_monitor.snapshots import ReadProblem


def check_readable(dataset: str, snapshot: str, problems: Sequence[ReadProblem], files: int) -> CheckOutcome:
    check = readable_check(dataset)
    findings = tuple(
        Finding(dataset, snapshot, check, Severity(p.severity),
                f"{dataset}/{snapshot}: {p.file}: {p.problem}",
                {"file": p.file, "problem": p.problem}, key=f"{p.file}:{i}")
        for i, p in enumerate(problems)
    )
    severity = Severity.worst([f.severity for f in findings]) if findings else Severity.ERROR
    if not findings:
        return CheckOutcome(check, True, Severity.ERROR, f"all {files} file(s) read cleanly", metadata={"files": files})
    return CheckOutcome(
        check, False, severity, f"{len(findings)} problem(s) reading the snapshot: " + "; ".join(
            f"{p.file}: {p.problem}" for p in problems[:3]),
        metadata={"files": files, "problems": "\n".join(f"- {p.file}: {p.problem}" for p in problems)},
        findings=findings,
    )
