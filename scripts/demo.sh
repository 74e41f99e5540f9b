#!/usr/bin/env bash
# `make demo`: validate → plan → apply → plan (no changes) on the embedded default store,
# then the Available Gateways table. Works on a copy of the example config in a temporary
# directory, so it starts from an empty store every time and leaves the repo untouched.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
gwctl="$repo/.venv/bin/gwctl"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$repo/gateways.d" "$repo/.sops.yaml" "$work/"
# The example secret files are encrypted to this DEMO-ONLY key (never use it for real).
export SOPS_AGE_KEY_FILE="$repo/demo-keys/DEMO-ONLY-age-key.txt"
unset GWCTL_STORE_URL GWCTL_TOKEN SOPS_AGE_KEY

step() { printf '\n\033[1m$ gwctl %s\033[0m\n' "$*"; }

step validate --decrypt
"$gwctl" -C "$work" validate --decrypt

step plan --detailed-exitcode
status=0; "$gwctl" -C "$work" plan --detailed-exitcode || status=$?
[ "$status" -eq 2 ] || { echo "expected changes (exit 2), got exit $status"; exit 1; }

step apply --auto-approve
"$gwctl" -C "$work" apply --auto-approve

step plan --detailed-exitcode
"$gwctl" -C "$work" plan --detailed-exitcode

step gateways
"$gwctl" -C "$work" gateways
