#!/usr/bin/env bash
# A whole cluster on this machine, by hand: PostgreSQL 15 on loopback in a temporary folder (never the system service),
# the web app and N worker services (default 2) that join the queue by configuration alone, each in a working folder
# of its own, all sharing one storage root. Needs Debian's postgresql (apt-get install postgresql) and the .NET SDK.
#
#   tools/cluster/local.sh [N]        prints the web address, the workers and how to stop everything
set -euo pipefail
source "$(dirname "$0")/common.sh"
workers="${1:-2}"
require_postgres

root="$(mktemp -d /tmp/infocam-cluster.XXXXXX)"
chmod 755 "$root"
start_postgres "$root"
new_database infocam
build_release "$root"
export InfoCam__DataFolder="$root/storage"
web_port="$(free_port)"
worker_pids=()
start_web "$root/web.log" "$web_port"
for i in $(seq 1 "$workers"); do
  start_worker "$root/worker-$i" "worker-$i"
done

cat >"$root/stop.sh" <<STOP
#!/usr/bin/env bash
kill $web_pid ${worker_pids[*]} 2>/dev/null || true
sleep 2
$( [ "$(id -u)" = 0 ] && echo "runuser -u postgres --" ) $pgbin/pg_ctl -D "$root/pg/data" -m fast -w stop >/dev/null
rm -rf "$root"
echo "stopped and removed $root"
STOP
chmod +x "$root/stop.sh"

echo
echo "web app     http://127.0.0.1:$web_port   (workers: http://127.0.0.1:$web_port/workers)"
echo "PostgreSQL  127.0.0.1:$pg_port, database infocam"
echo "workers     $workers (worker-1 .. worker-$workers), logs in $root/worker-*/worker.log"
echo "storage     $root/storage"
echo "stop        $root/stop.sh"
