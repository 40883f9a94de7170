#!/usr/bin/env bash
# A CI script that uses only curl and a personal access token (create one under "API tokens" in the app):
#   INFOCAM_URL=http://localhost:5000 INFOCAM_TOKEN=icw_... tools/api_example.sh model.onnx
# Uploads the model, starts a run on the Baselines demo dataset, polls until it ends, fetches the result, publishes it.
set -euo pipefail
url="${INFOCAM_URL:-http://localhost:5000}"
auth="Authorization: Bearer ${INFOCAM_TOKEN:?set INFOCAM_TOKEN}"
model_file="${1:-datasets/demo-model/demo-cnn.onnx}"

json_field() { sed -n "s/.*\"$1\":\\([^,}]*\\).*/\\1/p" | tr -d '"' | head -1; }

model=$(curl -sf -H "$auth" -F "file=@${model_file}" -F "name=ci $(date +%F)" "$url/api/models" | json_field id)
echo "model $model"
dataset=$(curl -sf -H "$auth" "$url/api/datasets" | tr '}' '\n' | grep '"team":"Baselines"' | json_field id)
echo "dataset $dataset"
run=$(curl -sf -H "$auth" -H "Content-Type: application/json" \
  -d "{\"modelId\":$model,\"datasetId\":$dataset,\"methods\":[\"cam\",\"infocam\",\"infocam+\"]}" "$url/api/runs" | json_field id)
echo "run $run"
while true; do
  status=$(curl -sf -H "$auth" "$url/api/runs/$run")
  state=$(echo "$status" | json_field status)
  echo "  $state $(echo "$status" | json_field imagesDone)/$(echo "$status" | json_field imagesTotal)"
  case "$state" in succeeded) break ;; failed|cancelled) echo "$status"; exit 1 ;; esac
  sleep 2
done
curl -sf -H "$auth" "$url/api/runs/$run/result" -o "run-$run.json"
echo "result saved to run-$run.json"
curl -sf -X POST -H "$auth" "$url/api/runs/$run/publish" >/dev/null
echo "published to the leaderboard"
