"""Running the CI recipes' and the GitHub Action's shell steps as GitHub or GitLab would.

A step's script runs with `bash -e -o pipefail -c` and exactly the environment the CI system
gives it: a clean base (no key or token inherited from the test run) plus the step's `env:`
mapping, whose `${{ context.path }}` expressions are looked up in the contexts a test passes.
`gh` is a fake (fake_gh.py) that records its calls; GitLab's API is a tiny local HTTP server.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from gwctl.config.ci_templates import ci_files
from tests.support.paths import FAKE_GH, REPO_ROOT

ACTION = REPO_ROOT / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_INHERITED_NOT = ("SOPS_", "GWCTL_", "GITHUB_", "GITLAB_", "CI_", "RUNNER_", "GH_")


def github_workflow() -> dict[str, Any]:
    (text,) = ci_files("github").values()
    workflow: dict[str, Any] = yaml.safe_load(text)
    return workflow


def gitlab_pipeline() -> dict[str, Any]:
    (text,) = ci_files("gitlab").values()
    pipeline: dict[str, Any] = yaml.safe_load(text)
    return pipeline


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def github_step(job: str, name: str) -> dict[str, Any]:
    """The step of a workflow job with this name (or id)."""
    steps: list[dict[str, Any]] = github_workflow()["jobs"][job]["steps"]
    return next(step for step in steps if name in (step.get("name"), step.get("id")))


def action_step(name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = action()["runs"]["steps"]
    return next(step for step in steps if name in (step.get("name"), step.get("id")))


def action_inputs(given: Mapping[str, str]) -> dict[str, str]:
    """The `inputs` context: the action's defaults, overridden by what a workflow passes."""
    defaults = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
    unknown = set(given) - set(defaults)
    assert not unknown, f"not inputs of action.yml: {unknown}"
    return {**defaults, **given}


def lookup(expression: str, contexts: Mapping[str, Any]) -> str:
    """`${{ a.b.c }}` as GitHub evaluates it: a missing property is the empty string."""
    if not re.fullmatch(r"[A-Za-z_][\w-]*(\.[\w-]+)*", expression):
        raise ValueError(f"the test evaluator handles property paths only: {expression!r}")
    head, *path = expression.split(".")
    if head not in contexts:
        raise KeyError(f"no context {head!r} given for ${{{{ {expression} }}}}")
    value: Any = contexts[head]
    for part in path:
        value = value.get(part, "") if isinstance(value, Mapping) else ""
    return "" if value is None else str(value)


def evaluate(text: str, contexts: Mapping[str, Any]) -> str:
    return EXPRESSION.sub(lambda match: lookup(match.group(1), contexts), text)


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Runner:
    """Where steps run: the config repository, a fake `gh` first on PATH, CI variables."""

    cwd: Path
    work: Path
    variables: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bin = self.work / "bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        gh = self.bin / "gh"
        gh.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_GH}" "$@"\n')
        gh.chmod(0o755)
        self.gh_state = self.work / "gh"
        self.gh_state.mkdir(exist_ok=True)
        self.canned_gh({"api": {}, "runs": [], "artifacts": {}})

    def canned_gh(self, canned: Mapping[str, Any]) -> None:
        (self.gh_state / "canned.json").write_text(json.dumps(canned), encoding="utf-8")

    def gh_calls(self) -> list[dict[str, Any]]:
        log = self.gh_state / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    def base_env(self) -> dict[str, str]:
        inherited = {
            name: value for name, value in os.environ.items() if not name.startswith(_INHERITED_NOT)
        }
        path = f"{self.bin}:{Path(sys.executable).parent}:{inherited.get('PATH', '/usr/bin:/bin')}"
        return {
            **inherited,
            "PATH": path,
            "FAKE_GH_STATE": str(self.gh_state),
            "RUNNER_TEMP": str(self.work),
            **self.variables,
        }

    def bash(self, script: str, env: Mapping[str, str], cwd: Path | None = None) -> Outcome:
        output, summary = self.work / "github_output", self.work / "step_summary"
        for path in (output, summary):
            path.write_text("")
        full_env = {
            **self.base_env(),
            **env,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            cwd=cwd or self.cwd,
            env=full_env,
            text=True,
            capture_output=True,
            timeout=300,
            check=False,
        )
        pairs = (line.partition("=") for line in output.read_text().splitlines())
        return Outcome(
            done.returncode,
            done.stdout,
            done.stderr,
            {key: value for key, _, value in pairs},
            summary.read_text(),
        )

    def github(
        self,
        step: Mapping[str, Any],
        contexts: Mapping[str, Any],
        env: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """Run a `run:` step: `env` is the workflow's env, then the step's own."""
        script = str(step["run"])
        assert "${{" not in script, "expressions belong in env:, never inside run: scripts"
        merged = {**(env or {}), **(step.get("env") or {})}
        values = {name: evaluate(str(value), contexts) for name, value in merged.items()}
        cwd = self.cwd / evaluate(str(step.get("working-directory", ".")), contexts)
        return self.bash(script, values, cwd)

    def gitlab(
        self,
        pipeline: Mapping[str, Any],
        job: str,
        project_variables: Mapping[str, str],
        *,
        part: str = "script",
    ) -> Outcome:
        """Run a job's script lines in one shell, as the runner does, with the pipeline's and
        the job's `variables:` (GitLab expands $NAME in them) and the project's variables."""
        env = {**self.base_env(), **project_variables}
        for name, value in {
            **(pipeline.get("variables") or {}),
            **(pipeline[job].get("variables") or {}),
        }.items():
            env[name] = re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), ""), str(value))
        lines = pipeline[job].get(part) or pipeline["default"][part]
        return self.bash("\n".join(str(line) for line in lines), env)


@dataclass
class GitLabApi:
    """A fake GitLab API on 127.0.0.1: canned GET answers; every request is recorded."""

    canned: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def json(self, path: str, data: Any, status: int = 200) -> None:
        self.canned[path] = (status, json.dumps(data).encode())


def serve_gitlab() -> Iterator[GitLabApi]:
    api = GitLabApi()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            api.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            status, data = api.canned.get(self.path, (404, b'{"message": "404 Not Found"}'))
            if self.command in ("POST", "PUT"):
                status, data = 201 if self.command == "POST" else 200, b'{"id": 901}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.url = f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
