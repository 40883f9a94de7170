#!/usr/bin/env bash
# A whole cluster on this machine, by hand: PostgreSQL 15 on loopback in a temporary folder (never the system service),
# the web app and N worker services (default 2) that join the queue by configuration alone, each in a working folder
# of its own, all sharing one storage root. Needs Debian's postgresql (apt-get install postgresql) and the .NET SDK.
#
#   tools/cluster/local.sh [N]        prints the web address, the workers and how to stop everything
set -euo pipefail
workers="${1:-2}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
pgbin=/usr/lib/postgresql/15/bin
[ -x "$pgbin/initdb" ] || { echo "local.sh: PostgreSQL 15 is not installed (apt-get install postgresql)." >&2; exit 2; }

root="$(mktemp -d /tmp/infocam-cluster.XXXXXX)"
chmod 755 "$root"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
pg_port="$(free_port)"
web_port="$(free_port)"

# PostgreSQL runs as the postgres user when we are root (initdb refuses root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$root/pg"
[ "$(id -u)" = 0 ] && chown postgres "$root/pg"
as_pg "$pgbin/initdb" -D "$root/pg/data" -A trust -U postgres >"$root/pg/initdb.log"
as_pg "$pgbin/pg_ctl" -D "$root/pg/data" -o "-k $root/pg -p $pg_port -c listen_addresses=127.0.0.1" -l "$root/pg/server.log" -w start >/dev/null
as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres infocam

echo "building (Release) ..."
dotnet build "$repo/src/InfoCamWeb.Web" -c Release -v quiet -nologo >"$root/build.log"
bin="$repo/src/InfoCamWeb.Web/bin/Release/net10.0"

export ConnectionStrings__InfoCam="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=infocam"
export InfoCam__Store=PostgreSQL InfoCam__DataFolder="$root/storage" DOTNET_NOLOGO=1
pids=()

# The web app; its own local worker is off: the workers below take every run.
InfoCam__Worker__Enabled=false nohup dotnet "$bin/InfoCamWeb.Web.dll" --urls "http://127.0.0.1:$web_port" --contentRoot "$repo" \
  >"$root/web.log" 2>&1 &
pids+=($!)
for i in $(seq 1 "$workers"); do
  mkdir -p "$root/worker-$i"
  (cd "$root/worker-$i" && exec nohup dotnet "$bin/InfoCamWeb.Worker.dll" --InfoCam:Worker:Name="worker-$i" --InfoCam:Worker:Device=cpu \
     >"$root/worker-$i/worker.log" 2>&1) &
  pids+=($!)
done

cat >"$root/stop.sh" <<STOP
#!/usr/bin/env bash
kill ${pids[*]} 2>/dev/null || true
sleep 2
$( [ "$(id -u)" = 0 ] && echo "runuser -u postgres --" ) $pgbin/pg_ctl -D "$root/pg/data" -m fast -w stop >/dev/null
rm -rf "$root"
echo "stopped and removed $root"
STOP
chmod +x "$root/stop.sh"

for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$web_port/models" >/dev/null 2>&1 && break
  sleep 1
done
echo
echo "web app     http://127.0.0.1:$web_port   (workers: http://127.0.0.1:$web_port/workers)"
echo "PostgreSQL  127.0.0.1:$pg_port, database infocam"
echo "workers     $workers (worker-1 .. worker-$workers), logs in $root/worker-*/worker.log"
echo "storage     $root/storage"
echo "stop        $root/stop.sh"
