#!/usr/bin/env bash
# Demo restart step of ops.example.yml's restart-api runbook (issue #3): it records the restart, and the local demo
# service (src/workspace/demo/demo-service.ts) treats a restart after it went unhealthy as "healthy again".
# Usage: demo-restart.sh <service>
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

log_dir=.opsdeck/demo
mkdir -p "$log_dir"
printf '%s restart service=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$service" >>"$log_dir/restarts.log"
echo "Restarted $service (demo: recorded in $log_dir/restarts.log)"
