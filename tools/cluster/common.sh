# Shared by local.sh and bench.sh (source it): PostgreSQL 15 on loopback in a temporary folder (never the system
# service), a Release build, the web app and worker services that join by configuration alone.
pgbin=/usr/lib/postgresql/15/bin
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$repo/src/InfoCamWeb.Web/bin/Release/net10.0"
export DOTNET_NOLOGO=1

require_postgres() {
  [ -x "$pgbin/initdb" ] || { echo "$(basename "$0"): PostgreSQL 15 is not installed (apt-get install postgresql)." >&2; exit 2; }
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# PostgreSQL runs as the postgres user when we are root (initdb refuses root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_postgres ROOT: a cluster in ROOT/pg on a free port; sets pg_port.
start_postgres() {
  pg_port="$(free_port)"
  mkdir -p "$1/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$1/pg"
  as_pg "$pgbin/initdb" -D "$1/pg/data" -A trust -U postgres >"$1/pg/initdb.log"
  as_pg "$pgbin/pg_ctl" -D "$1/pg/data" -o "-k $1/pg -p $pg_port -c listen_addresses=127.0.0.1" -l "$1/pg/server.log" -w start >/dev/null
}

stop_postgres() { as_pg "$pgbin/pg_ctl" -D "$1/pg/data" -m fast -w stop >/dev/null; }

# new_database NAME: creates it and points the web app and the workers (environment) at it.
new_database() {
  as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$1"
  export ConnectionStrings__InfoCam="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$1"
  export InfoCam__Store=PostgreSQL
}

sql() { "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -tAc "$2"; }

build_release() {
  echo "building (Release) ..."
  dotnet build "$repo/src/InfoCamWeb.Web" -c Release -v quiet -nologo >"$1/build.log"
}

# start_web LOG PORT: the web app with its own local worker off (the workers take every shard); sets web_pid.
start_web() {
  InfoCam__Worker__Enabled=false nohup dotnet "$bin/InfoCamWeb.Web.dll" --urls "http://127.0.0.1:$2" --contentRoot "$repo" >"$1" 2>&1 &
  web_pid=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$2/models" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "the web app did not start; see $1" >&2
  return 1
}

# start_worker FOLDER NAME [SETTING ...]: a worker service in a working folder of its own; appends to worker_pids.
start_worker() {
  local folder="$1" name="$2"
  shift 2
  mkdir -p "$folder"
  (cd "$folder" && exec nohup dotnet "$bin/InfoCamWeb.Worker.dll" --InfoCam:Worker:Name="$name" --InfoCam:Worker:Device=cpu "$@" \
     >"$folder/worker.log" 2>&1) &
  worker_pids+=($!)
}
