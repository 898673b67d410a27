#!/usr/bin/env bash
# Issue 23's kill test, by hand (not part of `mvn verify`: it takes minutes): a `train` run is killed with
# SIGKILL at random moments, some of them inside a save, and resumed after each kill until it is done.
# It passes when the final checkpoint is byte for byte the one an uninterrupted run writes, and no
# temporary file is left in the run folder. TrainSignalsTest covers one kill of each signal in CI.
#
#   bash src/test/shell/kill-resume.sh [KILLS]        (default 20; needs target/rnn4j.jar)
set -euo pipefail
cd "$(dirname "$0")/../../.."
jar=target/rnn4j.jar
kills=${1:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--epochs 40 --hidden-size 16 --num-layers 1 --device cpu)
seed=${SEED:-1}
RANDOM=$seed

java -jar "$jar" train "${args[@]}" --out "$work/reference" > /dev/null 2>&1

epoch_of() {
  python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    print(json.loads(f.read(n))["__metadata__"]["epoch"])
PY
}

killed=0
while :; do
  if [ -f "$work/run/checkpoint.safetensors" ]; then
    [ "$(epoch_of "$work/run/checkpoint.safetensors")" = 40 ] && break
    cmd=(train --resume "$work/run/checkpoint.safetensors" --device cpu)
  else
    cmd=(train "${args[@]}" --out "$work/run")
  fi
  java -jar "$jar" "${cmd[@]}" > "$work/out.txt" 2>&1 &
  pid=$!
  if [ "$killed" -lt "$kills" ]; then
    # 0.3 to 2.2 s: before the first epoch, between epochs and inside saves.
    sleep "$(( RANDOM % 2 )).$(( RANDOM % 10 ))"
    sleep 0.3
    if kill -9 "$pid" 2> /dev/null; then
      killed=$((killed + 1))
    fi
  fi
  wait "$pid" || true
  sleep 1  # the child watches its parent every 100 ms and halts
  if pgrep -f "rnn4j.parent.pid=$pid" > /dev/null; then
    echo "FAIL: the relaunched JVM of $pid outlived it" >&2
    exit 1
  fi
done

find "$work/run" -name "*.tmp"
temps=$(find "$work/run" -name "*.tmp" | wc -l)
ref=$(sha256sum < "$work/reference/checkpoint.safetensors")
got=$(sha256sum < "$work/run/checkpoint.safetensors")
echo "kills: $killed; temporary files left: $temps"
echo "reference checkpoint: ${ref%% *}"
echo "resumed checkpoint:   ${got%% *}"
[ "$temps" = 0 ] && [ "$ref" = "$got" ] && echo "PASS" || { echo "FAIL"; exit 1; }
