#!/usr/bin/env bash
# The verify step of pgtandem's GitHub Action (action.yml): runs `pgtandem verify`
# with INPUT_VERIFY_ARGS, using the same pgtandem as the lint step (action-lint.sh).
set -uo pipefail

if [ -n "${INPUT_COMMAND:-}" ]; then
  read -r -a pgtandem <<<"$INPUT_COMMAND"
elif [ -z "${INPUT_VERSION:-}" ] && [ -x node_modules/.bin/pgtandem ]; then
  pgtandem=(node_modules/.bin/pgtandem)
else
  pgtandem=(npx --yes "pgtandem@${INPUT_VERSION:-latest}")
fi
read -r -a verify_args <<<"${INPUT_VERIFY_ARGS:-}"
exec "${pgtandem[@]}" verify "${verify_args[@]}"
