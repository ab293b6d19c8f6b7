#!/bin/sh
# A stand-in for Gatling's gatling.sh: takes the runner script's arguments
# (-sf DIR -s CLASS -rsf DIR -rf RESULTS -rm local [-nr]) and writes
# RESULTS/<simulation id>-<timestamp>/simulation.log in Gatling 3.10.5's text layout.
# GATLING_STUB_REQUESTS requests (default 500), GATLING_STUB_KO_PERCENT of them KO (default 2),
# GATLING_STUB_EXIT: the exit status (default 0). Seeded by the host name: each pod its own run.
set -eu
class="" results=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    -s) class="$2"; shift 2 ;;
    -rf) results="$2"; shift 2 ;;
    -sf|-rsf|-rm) shift 2 ;;
    *) shift ;;
  esac
done
[ -n "$class" ] && [ -n "$results" ] || { echo "gatling.sh (stub): -s and -rf are required" >&2; exit 2; }
requests="${GATLING_STUB_REQUESTS:-500}"
ko_percent="${GATLING_STUB_KO_PERCENT:-2}"
simulation_id=$(printf '%s' "${class##*.}" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '-')
start_ms=$(date -u +%s%3N)
run_dir="$results/$simulation_id-$(date -u +%Y%m%d%H%M%S%3N)"
mkdir -p "$run_dir"
seed=$(printf '%s' "$(hostname)" | cksum | cut -d ' ' -f 1)
echo "gatling.sh (stub): $requests requests of $class into $run_dir/simulation.log"
awk -v class="$class" -v id="$simulation_id" -v start="$start_ms" -v n="$requests" \
    -v ko="$ko_percent" -v seed="$seed" '
BEGIN {
  srand(seed % 2147483647)
  split("Home,Search,Product page,Cart,Checkout", names, ",")
  printf "RUN\t%s\t%s\t%.0f\t \t3.10.5\n", class, id, start
  t = start
  for (i = 0; i < n; i++) {
    if (i % 5 == 0) printf "USER\tShop\tSTART\t%.0f\n", t
    s = t + int(rand() * 20)
    e = s + 20 + int(-log(1 - rand()) * 60)
    if (rand() * 100 < ko) printf "REQUEST\t\t%s\t%.0f\t%.0f\tKO\tstatus.find.in(200), found 500\n", names[i % 5 + 1], s, e
    else printf "REQUEST\t\t%s\t%.0f\t%.0f\tOK\t \n", names[i % 5 + 1], s, e
    t = e
    if (i % 5 == 4 || i == n - 1) printf "USER\tShop\tEND\t%.0f\n", t
  }
}' > "$run_dir/simulation.log"
exit "${GATLING_STUB_EXIT:-0}"
