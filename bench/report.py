"""Print a results JSON of `python -m bench` as a Markdown table (for the README).

python -m bench.report [bench/results/latest.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench import concurrency
from bench.run import RESULTS, STEPS


def markdown(report: dict[str, Any]) -> str:
    rows = {(r["size"], r["step"], r["runner"]): r for r in report["rows"]}
    lines = [
        "| N | step | embedded s | MB | remote s | MB | naive s | × naive (emb / remote) |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for size in report["sizes"]:
        for step in STEPS:
            emb = rows.get((size, step, "gwctl" if step == "validate" else "embedded"))
            rem = rows.get((size, step, "remote"))
            naive = rows.get((size, step, "naive"))
            ratios = " / ".join(_ratio(naive, r) for r in (emb, rem) if r is not None)
            lines.append(
                f"| {size:,} | {step} | {_wall(emb)} | {_mb(emb)} | {_wall(rem)} | "
                f"{_mb(rem)} | {_wall(naive)} | {ratios or '-'} |"
            )
    return "\n".join(lines)


def _wall(row: dict[str, Any] | None) -> str:
    if row is None:
        return "-"
    if row["wall_s"] is None:
        return "skipped"
    return f"{row['wall_s']:.2f}" + ("*" if row.get("estimated") else "")


def _mb(row: dict[str, Any] | None) -> str:
    return f"{row['peak_rss_mb']:.0f}" if row and row.get("peak_rss_mb") else "-"


def _ratio(naive: dict[str, Any] | None, row: dict[str, Any] | None) -> str:
    if not naive or not row or not naive["wall_s"] or not row["wall_s"]:
        return "-"
    return f"{naive['wall_s'] / row['wall_s']:.1f}×"


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS / "latest.json"
    data = json.loads(path.read_text())
    print(markdown(data))
    print(f"\nMachine: {data['machine']['summary']}.")
    if data.get("store_list"):
        listing = data["store_list"]
        print(
            f"Store listing {listing['accounts']:,} accounts over HTTP (all pages of 1,000): "
            f"{listing['best_s']:.3f} s (best of {listing['repeats']})."
        )
    if data.get("concurrency"):
        print(f"\n{concurrency.markdown(data['concurrency'])}")
