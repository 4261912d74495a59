#!/usr/bin/env bash
# Demo restart step of ops.example.yml's restart-api runbook (issues #3, #19): it records the restart, and the local
# demo service (src/workspace/local/demo-service.ts) treats a restart after it went unhealthy or slow as "fixed".
# Usage: demo-restart.sh <service>
# DEMO_STEP_SECONDS (default 0): a pause before each line of output, so that a person watching the runbook in the
# local workspace sees the step running and its output arrive in the thread (ops.example.yml sets 1).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: demo-restart.sh <service>" >&2
  exit 2
fi
service=$1

name_pattern='^[a-z][a-z0-9_-]{0,62}$'
if [[ ! $service =~ $name_pattern ]]; then
  echo "demo-restart: invalid service name" >&2
  exit 2
fi
# shellcheck source=scripts/demo-step.sh
source "$(dirname "$0")/demo-step.sh"

step "Draining $service (demo: no traffic to drain)"
step "Stopping $service workers"
log_dir=.opsdeck/demo
mkdir -p "$log_dir"
printf '%s restart service=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$service" >>"$log_dir/restarts.log"
step "Starting $service workers"
echo "Restarted $service (demo: recorded in $log_dir/restarts.log)"
