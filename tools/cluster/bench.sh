#!/usr/bin/env bash
# Images/s of one run executed by 1 and by 2 worker services (or the counts given), on this machine, with PostgreSQL
# and Hangfire as on several machines. A benchmark, not a test: it prints a table and writes it to
# artifacts/cluster-bench.md. Needs Debian's postgresql and the .NET SDK.
#
#   tools/cluster/bench.sh [WORKER_COUNTS...]      default: 1 2
#   PER_CLASS=400 SHARD_SIZE=200 tools/cluster/bench.sh 1 2     (the defaults)
#   KEEP_LOGS=DIR tools/cluster/bench.sh 1         also copies the logs and result of each count to DIR
#
# The run is the demo model on `infocam make-demo --per-class $PER_CLASS` (8 classes; the test split has
# 4 x PER_CLASS images), cut into shards of SHARD_SIZE. Time is the run's own: from its start (the first worker
# loading the model) to its stored result, worker process start-up not included; every count must give the same
# result as the first (seconds aside).
set -euo pipefail
source "$(dirname "$0")/common.sh"
require_postgres
counts=("${@:-1 2}")
[ $# -eq 0 ] && counts=(1 2)
per_class="${PER_CLASS:-400}"
shard_size="${SHARD_SIZE:-200}"

root="$(mktemp -d /tmp/infocam-bench.XXXXXX)"
chmod 755 "$root"
cleanup() {
  kill ${web_pid:-} ${worker_pids[*]:-} 2>/dev/null || true
  sleep 1
  stop_postgres "$root" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
start_postgres "$root"
build_release "$root"
dotnet build "$repo/src/InfoCamWeb.Cli" -c Release -v quiet -nologo >>"$root/build.log"
dotnet "$repo/src/InfoCamWeb.Cli/bin/Release/net10.0/infocam.dll" make-demo --output "$root/dataset" --per-class "$per_class" >/dev/null

export InfoCam__Demo__DatasetFolder="$root/dataset" InfoCam__ServerDatasetRoots__0="$root" InfoCam__Shards__Size="$shard_size"
results=()
reference=""
for n in "${counts[@]}"; do
  db="bench_$n"
  new_database "$db"
  export InfoCam__DataFolder="$root/storage-$n"
  web_port="$(free_port)"
  worker_pids=()
  start_web "$root/web-$n.log" "$web_port"
  for i in $(seq 1 "$n"); do start_worker "$root/worker-$n-$i" "worker-$i"; done
  until [ "$(sql "$db" "SELECT \"Status\" FROM \"Runs\" WHERE \"Id\" = 1")" = "Succeeded" ]; do
    status="$(sql "$db" "SELECT \"Status\" FROM \"Runs\" WHERE \"Id\" = 1")"
    [ "$status" = "Failed" ] && { echo "the run failed: $(sql "$db" "SELECT \"Error\" FROM \"Runs\" WHERE \"Id\" = 1")" >&2; exit 1; }
    sleep 0.5
  done
  # Times are stored as EF Core's binary DateTimeOffset: (ticks / 1000) << 11 | offset; >> 11 gives units of 0.1 ms.
  line="$(sql "$db" "SELECT r.\"ImagesTotal\", ((r.\"FinishedAt\" >> 11) - (r.\"StartedAt\" >> 11)) / 10000.0,
                            (SELECT COUNT(*) FROM \"RunShards\" s WHERE s.\"RunId\" = 1),
                            (SELECT string_agg(w || ' ' || c, ', ') FROM (SELECT \"WorkerName\" w, COUNT(*) c FROM \"RunShards\" WHERE \"RunId\" = 1 GROUP BY 1 ORDER BY 1) x)
                     FROM \"Runs\" r WHERE r.\"Id\" = 1")"
  IFS='|' read -r images seconds shards split <<<"$line"
  curl -sf "http://127.0.0.1:$web_port/runs/1/result.json" >"$root/result-$n.json"
  [ -n "${KEEP_LOGS:-}" ] && cp -r "$root"/worker-$n-* "$root/web-$n.log" "$root/result-$n.json" "$KEEP_LOGS"/
  result="$(python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("seconds"); print(json.dumps(d, sort_keys=True))' <"$root/result-$n.json")"
  [ -z "$reference" ] && reference="$result"
  same="yes"; [ "$result" = "$reference" ] || same="NO"
  rate="$(python3 -c "print(f'{$images / $seconds:.1f}')")"
  results+=("| $n | $images | $shards | $split | $(printf '%.2f' "$seconds") | $rate | $same |")
  echo "workers $n: $images images in $(printf '%.2f' "$seconds") s = $rate images/s (shards: $split; same result: $same)"
  kill "$web_pid" "${worker_pids[@]}" 2>/dev/null || true
  wait "$web_pid" "${worker_pids[@]}" 2>/dev/null || true
done

mkdir -p "$repo/artifacts"
{
  echo "Cluster benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, demo CNN, $((per_class * 4)) images, shards of $shard_size, CPU"
  echo
  echo "| workers | images | shards | shards per worker | seconds | images/s | same result |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${results[@]}"
} | tee "$repo/artifacts/cluster-bench.md"
