#!/usr/bin/env bash
# Uploads every file of the hostile sets through the API and prints the answer of each, then checks that the server
# still answers. Usage: INFOCAM_URL=http://localhost:5000 INFOCAM_TOKEN=icw_... tools/hostile/upload_all.sh [dir]
set -uo pipefail
url="${INFOCAM_URL:-http://localhost:5000}"
auth="Authorization: Bearer ${INFOCAM_TOKEN:?set INFOCAM_TOKEN}"
dir="${1:-/tmp/hostile}"
for f in "$dir"/models/*; do
  printf '%-34s %s\n' "$(basename "$f")" "$(curl -s -w ' [%{http_code}]' -H "$auth" -F "file=@$f" "$url/api/models" | cut -c1-300)"
done
for f in "$dir"/datasets/*; do
  printf '%-34s %s\n' "$(basename "$f")" "$(curl -s -w ' [%{http_code}]' -H "$auth" -F "file=@$f" "$url/api/datasets" | cut -c1-300)"
done
curl -s -o /dev/null -w 'server after the uploads: %{http_code}\n' "$url/"
