#!/usr/bin/env bash
# Demo deploy target of ops.example.yml for the local workspace (issue #3): it records the deploy instead of doing one.
# Usage: demo-deploy.sh <service> <version> <environment>
# Opsdeck runs it without a shell (argv array); it still checks every argument, as a real deploy script should.
# DEMO_STEP_SECONDS (default 0): a pause before each line of output, so that a person watching the deploy in the local
# workspace sees it running and its output stream into the message's thread (ops.example.yml sets 1).
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: demo-deploy.sh <service> <version> <environment>" >&2
  exit 2
fi
service=$1
version=$2
environment=$3

name_pattern='^[a-z][a-z0-9_-]{0,62}$'
version_pattern='^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$'
if [[ ! $service =~ $name_pattern ]]; then
  echo "demo-deploy: invalid service name" >&2
  exit 2
fi
if [[ ! $version =~ $version_pattern ]]; then
  echo "demo-deploy: invalid version" >&2
  exit 2
fi
if [[ ! $environment =~ $name_pattern ]]; then
  echo "demo-deploy: invalid environment name" >&2
  exit 2
fi
# shellcheck source=scripts/demo-step.sh
source "$(dirname "$0")/demo-step.sh"

step "Fetching $service $version (demo: nothing is fetched)"
step "Rolling out $service $version to $environment: 1 of 3 instances"
step "Rolling out $service $version to $environment: 3 of 3 instances"
log_dir=.opsdeck/demo
mkdir -p "$log_dir"
printf '%s deploy service=%s version=%s environment=%s\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$service" "$version" "$environment" >>"$log_dir/deploys.log"
echo "Deployed $service $version to $environment (demo: recorded in $log_dir/deploys.log)"
