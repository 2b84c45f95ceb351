#!/usr/bin/env bash
# The lint step of pgtandem's GitHub Action (action.yml), kept here so it can be
# run and tested outside GitHub. Lints the migrations changed since the base ref:
# annotations (or another format) on stdout, the markdown report appended to
# $GITHUB_STEP_SUMMARY, SARIF to a file when asked, and the verdict as step
# outputs (errors, warnings, files, failed). Exits 0 when it could lint —
# the action fails the job afterwards, once SARIF is uploaded — and 2 with
# pgtandem's reason when it could not (bad config, unknown base ref, no migrations).
#
# Inputs (environment): INPUT_COMMAND, INPUT_VERSION, INPUT_MIGRATIONS_DIR,
# INPUT_BASE_REF, INPUT_FORMAT, INPUT_SARIF, INPUT_SARIF_FILE, INPUT_FAIL_ON.
set -uo pipefail

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run inside GitHub Actions or set it to a file}"
: "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY is not set: run inside GitHub Actions or set it to a file}"
format="${INPUT_FORMAT:-github}"
fail_on="${INPUT_FAIL_ON:-error}"
sarif="${INPUT_SARIF:-false}"
sarif_file="${INPUT_SARIF_FILE:-pgtandem.sarif}"
base="${INPUT_BASE_REF:-}"

case "$fail_on" in error | warning | never) ;; *) echo "pgtandem action: fail-on must be error, warning or never, got \"$fail_on\"" >&2; exit 2 ;; esac
case "$sarif" in true | false) ;; *) echo "pgtandem action: sarif must be true or false, got \"$sarif\"" >&2; exit 2 ;; esac

# Which pgtandem: an explicit command, else the project's own install, else the version from npm.
if [ -n "${INPUT_COMMAND:-}" ]; then
  read -r -a pgtandem <<<"$INPUT_COMMAND"
elif [ -z "${INPUT_VERSION:-}" ] && [ -x node_modules/.bin/pgtandem ]; then
  pgtandem=(node_modules/.bin/pgtandem)
else
  pgtandem=(npx --yes "pgtandem@${INPUT_VERSION:-latest}")
fi

args=(lint)
if [ -n "${INPUT_MIGRATIONS_DIR:-}" ]; then args+=("$INPUT_MIGRATIONS_DIR"); fi
if [ -n "$base" ]; then
  # actions/checkout fetches one commit by default: without history there is no merge base.
  if ! git merge-base HEAD "$base" >/dev/null 2>&1; then
    echo "pgtandem action: fetching history to find the merge base with $base" >&2
    if [ "$(git rev-parse --is-shallow-repository)" = true ]; then git fetch --quiet --no-tags --unshallow origin || true; fi
    git fetch --quiet --no-tags origin "$base" || true
  fi
  args+=(--since "$base")
fi

lint() { "${pgtandem[@]}" "${args[@]}" "$@"; }

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
lint --format json >"$report"
code=$?
if [ "$code" -ge 2 ]; then exit "$code"; fi

# The format the job log shows: `github` turns findings into pull-request annotations.
lint --format "$format"
if [ "$?" -ge 2 ]; then exit 2; fi
lint --format markdown >>"$GITHUB_STEP_SUMMARY" || [ "$?" -lt 2 ] || exit 2
if [ "$sarif" = true ]; then
  lint --format sarif >"$sarif_file" || [ "$?" -lt 2 ] || exit 2
fi

read -r errors warnings files < <(node -e '
  const { summary } = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(summary.errors, summary.warnings, summary.files);
' "$report")
failed=false
if [ "$fail_on" = error ] && [ "$errors" -gt 0 ]; then failed=true; fi
if [ "$fail_on" = warning ] && [ $((errors + warnings)) -gt 0 ]; then failed=true; fi
{
  echo "errors=$errors"
  echo "warnings=$warnings"
  echo "files=$files"
  echo "failed=$failed"
  if [ "$sarif" = true ]; then echo "sarif-file=$sarif_file"; fi
} >>"$GITHUB_OUTPUT"
exit 0
