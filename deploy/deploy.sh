#!/usr/bin/env bash
# make deploy: the site and the ticket function to AWS, as template.yaml describes them.
# Called by the Makefile with SAM, PYTHON and KBDESK pointing at the project's tools.
set -euo pipefail
cd "$(dirname "$0")/.."

# No credentials, no deploy: say so before building anything.
if ! "$PYTHON" -c 'import boto3, sys; sys.exit(boto3.Session().get_credentials() is None)'; then
  echo "make deploy: no AWS credentials found. Configure them (aws configure, AWS_PROFILE or SSO) and run it again." >&2
  exit 1
fi

"$KBDESK" build
# The function accepts the knowledge base's products: the list this build wrote travels with it.
cp site/_kb/products.json functions/tickets/products.json
# The Content-Security-Policy allows exactly the inline scripts this build's pages carry.
script_hashes="$(tr '\n' ' ' < site/_kb/script-hashes.txt | sed 's/ *$//')"

"$SAM" build ${SAM_BUILD_FLAGS:-}
# An update with only new articles changes no resource: that is no failure, the site is still published.
if [ -f samconfig.toml ]; then
  # Overrides given on the command line replace samconfig.toml's: keep its values, renew only the hashes.
  overrides="$(SCRIPT_HASHES="$script_hashes" "$PYTHON" deploy/samconfig.py samconfig.toml)"
  "$SAM" deploy --no-fail-on-empty-changeset --parameter-overrides "$overrides"
else
  "$SAM" deploy --guided --no-fail-on-empty-changeset --parameter-overrides "ScriptHashes=\"$script_hashes\""
fi

# Publish to the stack sam deployed, in its region, whatever the profile's default region is.
read -r stack region < <("$PYTHON" deploy/samconfig.py --stack samconfig.toml)
AWS_REGION="$region" AWS_DEFAULT_REGION="$region" "$KBDESK" publish --stack "$stack"
