"""A fake `gh` CLI for the CI recipe tests (run as a script, never imported by pytest).

It appends each call to $FAKE_GH_STATE/calls.jsonl (arguments, the environment it saw, the
text of files it was given) and answers from $FAKE_GH_STATE/canned.json:
  {"api": {endpoint: json}, "runs": [{"databaseId", "headSha", "event", "conclusion",
   "workflow"}], "artifacts": {run id: {artifact name: directory to copy}}}
`--jq` filters go through the real jq binary (`jq -r`, as gh prints strings raw).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

STATE = Path(os.environ["FAKE_GH_STATE"])


def options(args: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Positional arguments, and each --option's values (flags get "")."""
    flags = {"--paginate"}
    positional: list[str] = []
    named: dict[str, list[str]] = {}
    rest = iter(args)
    for arg in rest:
        if arg.startswith("-"):
            named.setdefault(arg, []).append("" if arg in flags else next(rest))
        else:
            positional.append(arg)
    return positional, named


def answer(data: Any, named: dict[str, list[str]]) -> None:
    if "--jq" in named:
        out = subprocess.run(
            ["jq", "-r", named["--jq"][0]],
            input=json.dumps(data),
            text=True,
            capture_output=True,
            check=True,
        ).stdout
        sys.stdout.write(out)
    else:
        sys.stdout.write(json.dumps(data) + "\n")


def file_text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def main(args: list[str]) -> int:
    canned: dict[str, Any] = json.loads((STATE / "canned.json").read_text(encoding="utf-8"))
    positional, named = options(args)
    files: dict[str, str] = {}
    for value in named.get("--body-file", []):
        files["body"] = file_text(value)
    for value in named.get("-F", []):
        field, _, raw = value.partition("=")
        files[field] = file_text(raw[1:]) if raw.startswith("@") else raw
    with (STATE / "calls.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps({"argv": args, "env": dict(os.environ), "files": files}) + "\n")
    command = positional[:2]
    if command[:1] == ["api"]:
        if named.get("--method", ["GET"])[0] != "GET":
            return 0
        endpoint = positional[1]
        if endpoint not in canned["api"]:
            print(f"HTTP 404: Not Found ({endpoint})", file=sys.stderr)
            return 1
        answer(canned["api"][endpoint], named)
        return 0
    if command == ["pr", "comment"]:
        print("https://github.com/example/pull/1#issuecomment-1")
        return 0
    if command == ["run", "list"]:
        wanted = {
            "headSha": "--commit",
            "event": "--event",
            "conclusion": "--status",
            "workflow": "--workflow",
        }
        runs = [
            run
            for run in canned["runs"]
            if all(
                run[field] == named[option][0]
                for field, option in wanted.items()
                if option in named
            )
        ]
        answer([{"databaseId": run["databaseId"]} for run in runs], named)
        return 0
    if command == ["run", "download"]:
        source = canned["artifacts"].get(positional[2], {}).get(named["--name"][0])
        if source is None:
            print("no valid artifacts found to download", file=sys.stderr)
            return 1
        shutil.copytree(source, named["--dir"][0], dirs_exist_ok=True)
        return 0
    print(f"fake gh: unexpected call {args}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
