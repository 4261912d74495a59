# Sourced by the demo scripts (demo-deploy.sh, demo-restart.sh): `step <line>` waits DEMO_STEP_SECONDS (default 0),
# then prints the line, so that a person watching Opsdeck run the script sees it running and its output arrive.
# ops.example.yml sets DEMO_STEP_SECONDS=1; tests leave it unset.
demo_pause=${DEMO_STEP_SECONDS:-0}
if [[ ! $demo_pause =~ ^[0-9]{1,2}(\.[0-9]{1,3})?$ ]]; then
  echo "$(basename "$0"): DEMO_STEP_SECONDS must be a number of seconds below 100" >&2
  exit 2
fi

step() {
  sleep "$demo_pause"
  echo "$1"
}
