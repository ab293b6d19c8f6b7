"""The fixed shell script of the runner container.

It is a constant: every value from the Gatling resource reaches it as an environment variable and
is only ever expanded inside double quotes, so nothing a user writes can become shell syntax.
"""

from __future__ import annotations

# Env names the script reads; prefixed so a user's scenario env cannot collide with them.
ENV_FORMAT = "GATLING_FLEET_SIMULATIONS_FORMAT"
ENV_SIMULATIONS_DIR = "GATLING_FLEET_SIMULATIONS_DIR"
ENV_TEMP_SIMULATIONS_DIR = "GATLING_FLEET_TEMP_SIMULATIONS_DIR"
ENV_RESOURCES_DIR = "GATLING_FLEET_RESOURCES_DIR"
ENV_RESULTS_DIR = "GATLING_FLEET_RESULTS_DIR"
ENV_START_TIME = "GATLING_FLEET_START_TIME"
ENV_SIMULATION_CLASS = "GATLING_FLEET_SIMULATION_CLASS"
ENV_LOCAL_REPORT = "GATLING_FLEET_LOCAL_REPORT"

RUNNER_SCRIPT = r"""set -u
if [ -n "$GATLING_FLEET_START_TIME" ]; then
  start=$(date -u -d "$GATLING_FLEET_START_TIME" +%s) || exit 2
  echo "waiting until $GATLING_FLEET_START_TIME (UTC)"
  while [ "$(date -u +%s)" -lt "$start" ]; do sleep 1; done
fi
mkdir -p "$GATLING_FLEET_SIMULATIONS_DIR" "$GATLING_FLEET_RESOURCES_DIR"
mkdir -p "$GATLING_FLEET_RESULTS_DIR"
if [ -d "$GATLING_FLEET_TEMP_SIMULATIONS_DIR" ]; then
  for f in "$GATLING_FLEET_TEMP_SIMULATIONS_DIR"/*; do
    if [ -f "$f" ]; then cp -L "$f" "$GATLING_FLEET_SIMULATIONS_DIR/"; fi
  done
fi
if [ "$GATLING_FLEET_SIMULATIONS_FORMAT" = "gradle" ]; then
  gradle "-Dgatling.core.directory.results=$GATLING_FLEET_RESULTS_DIR" \
    "gatlingRun-$GATLING_FLEET_SIMULATION_CLASS"
else
  set -- -sf "$GATLING_FLEET_SIMULATIONS_DIR" -s "$GATLING_FLEET_SIMULATION_CLASS" \
    -rsf "$GATLING_FLEET_RESOURCES_DIR" -rf "$GATLING_FLEET_RESULTS_DIR" -rm local
  if [ "$GATLING_FLEET_LOCAL_REPORT" != "true" ]; then set -- "$@" -nr; fi
  gatling.sh "$@"
fi
status=$?
marker=COMPLETED
if [ "$status" -ne 0 ]; then
  marker=FAILED
  echo "gatling exited with status $status" >&2
fi
touch "$GATLING_FLEET_RESULTS_DIR/$marker"
exit "$status"
"""
