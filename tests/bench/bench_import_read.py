"""Benchmark: reading import files (no database) — time and peak memory per format.

Plain script, not a test: ``python tests/bench/bench_import_read.py [TICKETS]``.

Writes one contract and TICKETS tickets (default 100,000) with five history
entries each as JSON Lines and CSV, and the first 20,000 as a JSON document (read
whole, so capped), then reads each file in a
fresh child process and prints the seconds and the child's peak resident memory
(VmHWM; Linux only).
Flat memory for JSON Lines and CSV shows as the same peak at 10x the tickets.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

STATUSES = ("in_progress", "waiting_customer", "in_progress", "resolved", "closed")


def tickets(count: int) -> list[dict[str, object]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out: list[dict[str, object]] = []
    for n in range(count):
        opened = start + timedelta(minutes=n)
        out.append(
            {
                "external_id": f"T-{n}",
                "contract": "K1",
                "title": f"Ticket number {n}",
                "description": "Printer on floor 2 does not print, says paper jam.",
                "severity": "P2",
                "opened_at": opened.isoformat(),
                "history": [
                    {"at": (opened + timedelta(minutes=10 * (i + 1))).isoformat(), "status": s}
                    for i, s in enumerate(STATUSES)
                ],
            }
        )
    return out


CONTRACT = {
    "external_id": "K1",
    "customer": "C1",
    "name": "TM",
    "kind": "time_material",
    "hourly_rate": "50.00",
}


def write_files(folder: Path, count: int) -> dict[str, Path]:
    rows = tickets(count)
    doc = folder / "all.json"
    # A document is read whole and capped (jsonfile.MAX_DOCUMENT_BYTES): at most 20,000 tickets.
    doc.write_text(json.dumps({"contracts": [CONTRACT], "tickets": rows[:20_000]}, indent=1))
    lines = folder / "all.jsonl"
    with lines.open("w") as out:
        out.write(json.dumps({"record": "contract", **CONTRACT}) + "\n")
        for row in rows:
            out.write(json.dumps({"record": "ticket", **row}) + "\n")
    csv_dir = folder / "csv"
    csv_dir.mkdir()
    header = [
        "external_id", "contract", "title", "description", "severity", "opened_at",
        "history_at", "history_status",
    ]  # fmt: skip
    with (csv_dir / "tickets.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            history = row["history"]
            assert isinstance(history, list)
            for index, entry in enumerate(history):
                head = [row[k] for k in header[:6]] if index == 0 else [""] * 6
                writer.writerow([*head, entry["at"], entry["status"]])
    return {"json": doc, "jsonl": lines, "csv": csv_dir / "tickets.csv"}


def child(path: str) -> None:
    from dispatch.services.imports import ImportReader

    reader = ImportReader()
    began = time.perf_counter()
    count = sum(1 for _ in reader.read(Path(path)))
    seconds = time.perf_counter() - began
    summary = reader.finish()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked parent,
    # which holds the generated tickets.
    status = Path("/proc/self/status").read_text()
    peak = (
        int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
        / 1024
    )
    print(f"{count} {seconds:.2f} {peak:.0f} {len(summary.issues)} {len(summary.unresolved)}")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(Path(tmp), count)
        print(f"{count:,} tickets x 5 history entries")
        for name, path in files.items():
            size = path.stat().st_size / 1e6
            result = subprocess.run(
                [sys.executable, __file__, "--child", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            records, seconds, peak, issues, unresolved = result.stdout.split()
            print(
                f"{name:6} {size:7.1f} MB  {records} records  {seconds} s  "
                f"peak RSS {peak} MB  issues {issues}  unresolved {unresolved}"
            )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
