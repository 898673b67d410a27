#!/usr/bin/env bash
# Runs rnn4j's GPU checks on a CUDA machine, from the bundle native-test/prepare.sh built elsewhere (this
# machine needs no Maven and no network). Run from the repository root: the tests read src/test/resources
# and src/main/java there.
#
#   bash native-test/run.sh [OUT_DIR]          (OUT_DIR default: native-test/out)
#
# Everything the script prints also goes to OUT_DIR/run.log, each step headed by its UTC time and the
# seconds since the start; manifest.txt is the bundle's (what was built, from which commit).
# Steps, each logged under OUT_DIR:
#   1. java: $JAVA, else the bundle's jlinked runtime (unpacked from bundle/jre.tar.gz), else a Java 17+ on
#      the PATH or under /usr/lib/jvm;
#   2. libraries: libcudnn.so.9, and libcublas.so.12, or else libcublas.so.13 with the forwarding library
#      built by dev.rnn4j.backend.cuda.CublasForwarder (OUT_DIR/forwarder); their folders go first on
#      LD_LIBRARY_PATH (env.txt records them); nvidia-smi (nvidia-smi.txt) and `rnn4j doctor` are logged;
#   3. the tests tagged gpu or native, through JUnit's console launcher with -Drnn4j.gpu=true
#      (tests.log, junit/ XML reports, parity.md: the largest CPU-GPU difference per fixture and each side's
#      own float32 error, gpu-f32/: the GPU's float32 results of the backward fixtures, training.md: the
#      CPU and GPU training runs); then, when python3 has torch with CUDA, PyTorch's own GPU-against-CPU
#      differences on the same float32 fixtures (torch-parity.md, from src/test/python/torch_cuda_parity.py),
#      the yardstick for parity.md's float32 columns;
#   4. the command line on the GPU (cli.log): `demo --device cuda`, a short `train --device cuda` and
#      `predict` of its checkpoint, and a short training with dropout between layers (cuDNN's dropout);
#   5. the benchmark, TF32 allowed on both sides and strict FP32 on both, in rounds of alternating order:
#      `rnn4j bench --device cuda` (rnn4j-MODE-rN.json), PyTorch's side on the same GPU when python3 has
#      torch with CUDA (torch-MODE-rN.json), and `bench --compare` of the two (compare-MODE-rN.txt), MODE
#      tf32 or fp32, N the round; rounds-MODE.txt puts each case's ratios of all rounds side by side, with
#      their median and the ratio of each side's fastest round;
#   6. what users run, TF32 allowed on both sides (both libraries' cuDNN default; --tf32 on also allows it
#      in PyTorch's matmul, which only the Linear head uses here), in LOOP_ROUNDS rounds of
#      alternating order on the L set (LSTM(1, H) forecasters, H 32/256/1024 x N 32/256 x T 24/100):
#      `rnn4j bench --device cuda --set L --phases forward,forward_host,loop` (rnn4j-loop-rN.json) against
#      `bench_torch.py --device cuda --tf32 on --set L --phases forward,forward_host,loop`
#      (torch-loop-rN.json): `loop` is a whole training step with the batch on the GPU (LSTM + Linear head,
#      MSE, backward, clip_grad_norm_(1.0), Adam step, zero_grad, loss.item() every 10 steps),
#      `forward_host` a forward pass of a host tensor (PyTorch: .to('cuda'), forward, .cpu() of every
#      result), `forward` the same pass with the input already on the GPU, for the copies' share;
#      compare-loop-rN.txt and rounds-loop.txt as in step 5.
# Before every benchmark nvidia-smi-clocks.csv gets a line of the GPU's clocks, temperature, power and
# use; nvidia-smi-end.txt is nvidia-smi after the last step.
# The benchmarks run even when tests fail. Exit status: 0 when every step passed, 1 otherwise.
#
# Environment:
#   JAVA            the java to use
#   CUDNN_DIR       folder holding libcudnn.so.9 (default: searched)
#   CUBLAS_DIR      folder holding libcublas.so.12 or libcublas.so.13 (default: searched)
#   BENCH_SET       rnn4j bench --set (default G); BENCH_ONLY, when set, is passed as --only instead
#   BENCH_ARGS      extra options for both benchmarks' timing (default: 1 s warm-up, 20 repetitions)
#   TF32_ROUNDS, FP32_ROUNDS  rounds per math mode, alternating which side runs first (default 5 and 1:
#                   the TF32 comparison is the one with a target)
#   BENCH_ONLY_RUN  1 skips steps 3 and 4 (a benchmark-only rerun); TF32_ROUNDS=0 FP32_ROUNDS=0 skips
#                   step 5, LOOP_ROUNDS=0 step 6
#   LOOP_ROUNDS     rounds of step 6 (default 2)
#   LOOP_ONLY       ids for step 6's --only (default: the whole L set)
#   LOOP_PHASES     step 6's phases (default forward,forward_host,loop)
#   TEST_TIMEOUT, BENCH_TIMEOUT, LOOP_TIMEOUT  seconds per step (default 240, 150 per benchmark of step 5,
#                   240 per benchmark of step 6); steps 1 to 5 were meant to fit in about 6 minutes on an
#                   H100; step 6 has not run on a GPU yet
set -uo pipefail

readonly BUNDLE=native-test/bundle
OUT_DIR=${1:-native-test/out}
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
readonly OUT_DIR
status=0

say() { printf '\n== %s  [%s, +%d s]\n' "$*" "$(date -u +%T)" "$SECONDS"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

[[ -f $BUNDLE/rnn4j.jar && -d src/test/resources ]] \
  || die "run from the repository root, with the bundle in $BUNDLE (bash native-test/prepare.sh builds it)"

# The whole run's output, beside the files it writes.
exec > >(tee -a "$OUT_DIR/run.log") 2>&1
say "run.sh in $(pwd), output to $OUT_DIR, started $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
if [[ -f $BUNDLE/manifest.txt ]]; then
  cp "$BUNDLE/manifest.txt" "$OUT_DIR/manifest.txt"
  cat "$OUT_DIR/manifest.txt"
else
  echo "no $BUNDLE/manifest.txt: the bundle's origin is unknown"
fi

# --- 1. java -------------------------------------------------------------------------------------------
java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
find_java() {
  if [[ -n ${JAVA:-} ]]; then echo "$JAVA"; return; fi
  if [[ ! -x $BUNDLE/jre/bin/java && -f $BUNDLE/jre.tar.gz ]]; then
    tar -C "$BUNDLE" -xzf "$BUNDLE/jre.tar.gz"
  fi
  local candidate
  for candidate in "$BUNDLE/jre/bin/java" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    if [[ -x $candidate ]] && (( $(java_major "$candidate" || echo 0) >= 17 )); then
      echo "$candidate"; return
    fi
  done
}
JAVA_BIN=$(find_java)
[[ -n $JAVA_BIN ]] || die "no Java 17 or later: set JAVA, or rebuild the bundle with prepare.sh"
say "java: $JAVA_BIN"
"$JAVA_BIN" -version 2>&1

# --- 2. libraries --------------------------------------------------------------------------------------
python_nvidia_dirs() {
  python3 -c 'import nvidia; print("\n".join(nvidia.__path__))' 2>/dev/null
  python3 -c 'import site; print("\n".join(site.getsitepackages()))' 2>/dev/null | sed 's|$|/nvidia|'
}
# Prints the first NAME found: LD_LIBRARY_PATH, Python's nvidia packages (PyTorch's), the loader cache,
# /usr/local/cuda*, then a search of /usr and /opt.
find_lib() {
  local name=$1 dir hit
  IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
  for dir in "${dirs[@]}"; do [[ -n $dir && -f $dir/$name ]] && { echo "$dir/$name"; return; }; done
  # PyTorch's own copies first: rnn4j and PyTorch then time the same cuDNN and cuBLAS.
  while read -r dir; do
    [[ -d $dir ]] || continue
    hit=$(find "$dir" -maxdepth 3 -name "$name" 2>/dev/null | sort | head -1)
    [[ -n $hit ]] && { echo "$hit"; return; }
  done < <(python_nvidia_dirs)
  hit=$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) | awk -v n="$name" '$1 == n && /x86-64/ { print $NF; exit }')
  [[ -n $hit && -f $hit ]] && { echo "$hit"; return; }
  for dir in /usr/local/cuda*/lib64 /usr/local/cuda*/targets/x86_64-linux/lib; do
    [[ -f $dir/$name ]] && { echo "$dir/$name"; return; }
  done
  find /usr /opt -xdev -name "$name" 2>/dev/null | sort | head -1
}

say "CUDA libraries"
if [[ -n ${CUDNN_DIR:-} ]]; then cudnn="$CUDNN_DIR/libcudnn.so.9"; else cudnn=$(find_lib libcudnn.so.9); fi
[[ -f $cudnn ]] || die "no libcudnn.so.9 (set CUDNN_DIR, or: pip install nvidia-cudnn-cu12 / nvidia-cudnn-cu13)"
echo "cuDNN: $cudnn"
lib_dirs=("$(dirname "$cudnn")")

cublas12=""; cublas13=""
if [[ -n ${CUBLAS_DIR:-} ]]; then
  [[ -f $CUBLAS_DIR/libcublas.so.12 ]] && cublas12=$CUBLAS_DIR/libcublas.so.12
  [[ -z $cublas12 && -f $CUBLAS_DIR/libcublas.so.13 ]] && cublas13=$CUBLAS_DIR/libcublas.so.13
else
  cublas12=$(find_lib libcublas.so.12)
  [[ -z $cublas12 ]] && cublas13=$(find_lib libcublas.so.13)
fi
if [[ -n $cublas12 ]]; then
  echo "cuBLAS 12: $cublas12"
  lib_dirs+=("$(dirname "$cublas12")")
elif [[ -n $cublas13 ]]; then
  echo "cuBLAS 13: $cublas13; building the forwarding library libcublas.so.12"
  forwarder=$("$JAVA_BIN" -cp "$BUNDLE/rnn4j.jar" dev.rnn4j.backend.cuda.CublasForwarder \
      "$cublas13" "$OUT_DIR/forwarder" 2> >(tee "$OUT_DIR/forwarder.log" >&2)) \
    || die "cannot build the cuBLAS forwarder (forwarder.log)"
  echo "forwarder: $forwarder"
  lib_dirs+=("$(dirname "$forwarder")" "$(dirname "$cublas13")")
else
  die "no libcublas.so.12 or libcublas.so.13 (set CUBLAS_DIR, or: pip install nvidia-cublas-cu12 / nvidia-cublas)"
fi
ORIGINAL_LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
LD_LIBRARY_PATH=$(IFS=:; echo "${lib_dirs[*]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
{
  echo "java=$JAVA_BIN"
  echo "cudnn=$cudnn"
  echo "cublas=${cublas12:-$cublas13}"
  echo "forwarder=${forwarder:-}"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
} | tee "$OUT_DIR/env.txt"

say "nvidia-smi"
nvidia-smi 2>&1 | tee "$OUT_DIR/nvidia-smi.txt" || echo "nvidia-smi failed"
# One CSV line of the GPU's state per benchmark: the lent machines' speed drifts, and this says whether
# the clocks or the temperature moved with it.
readonly GPU_QUERY=timestamp,clocks.sm,clocks.mem,temperature.gpu,power.draw,utilization.gpu,memory.used
echo "label,$GPU_QUERY" > "$OUT_DIR/nvidia-smi-clocks.csv"
gpu_clocks() { # LABEL
  printf '%s,' "$1" >> "$OUT_DIR/nvidia-smi-clocks.csv"
  nvidia-smi --query-gpu="$GPU_QUERY" --format=csv,noheader >> "$OUT_DIR/nvidia-smi-clocks.csv" 2>&1 \
    || echo "(nvidia-smi failed)" >> "$OUT_DIR/nvidia-smi-clocks.csv"
}
say "rnn4j doctor"
"$JAVA_BIN" -jar "$BUNDLE/rnn4j.jar" doctor 2>&1 | tee "$OUT_DIR/doctor.txt" || echo "(doctor failed; see above)"

have_torch=0
LD_LIBRARY_PATH=$ORIGINAL_LD_LIBRARY_PATH python3 -c \
  'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null && have_torch=1

if [[ ${BENCH_ONLY_RUN:-0} == 1 ]]; then
  say "BENCH_ONLY_RUN=1: tests and the command line skipped"
else
  # --- 3. tests ------------------------------------------------------------------------------------------
  say "tests tagged gpu or native (tests.log)"
  test_cp="$BUNDLE/test/test-classes:src/test/resources:$BUNDLE/test/classes:$(printf '%s:' "$BUNDLE"/test/lib/*.jar)$BUNDLE/rnn4j.jar"
  timeout "${TEST_TIMEOUT:-240}" "$JAVA_BIN" --add-modules jdk.incubator.vector -Drnn4j.gpu=true \
    -Drnn4j.gpu.report="$OUT_DIR/parity.md" -Drnn4j.gpu.training-report="$OUT_DIR/training.md" \
    -Drnn4j.gpu.dump="$OUT_DIR/gpu-f32" \
    -jar "$BUNDLE/junit-platform-console-standalone.jar" execute --disable-banner \
    --class-path "$test_cp" --scan-class-path="$BUNDLE/test/test-classes" \
    --include-tag gpu --include-tag native --details=tree --reports-dir "$OUT_DIR/junit" \
    2>&1 | tee "$OUT_DIR/tests.log"
  test_rc=${PIPESTATUS[0]}
  (( test_rc == 0 )) || { echo "TESTS FAILED (exit $test_rc)"; status=1; }

  if (( have_torch )); then
    say "PyTorch's own GPU against its CPU on the float32 fixtures (torch-parity.md)"
    # PyTorch loads its own cuDNN; the folders added above must not shadow it.
    LD_LIBRARY_PATH=$ORIGINAL_LD_LIBRARY_PATH timeout "${TEST_TIMEOUT:-240}" python3 \
      src/test/python/torch_cuda_parity.py --out "$OUT_DIR/torch-parity.md" 2>&1 \
      || { echo "PYTORCH PARITY FAILED"; status=1; }
  fi

  # --- 4. the command line ------------------------------------------------------------------------------
  say "the command line with --device cuda (cli.log)"
  cli() { # ARGS...: one rnn4j command, logged with its exit status
    printf '\n$ rnn4j %s\n' "$*"
    "$JAVA_BIN" -jar "$BUNDLE/rnn4j.jar" "$@" 2>&1
    local rc=$?
    echo "(exit $rc)"
    (( rc == 0 )) || { echo "COMMAND FAILED: rnn4j $*"; status=1; }
  }
  {
    cli demo --device cuda
    cli train --device cuda --epochs 3 --force --out "$OUT_DIR/cli-train"
    cli predict --device cuda --checkpoint "$OUT_DIR/cli-train/checkpoint.safetensors" \
      --output "$OUT_DIR/cli-train/forecast.csv"
    cli train --device cuda --dropout 0.25 --epochs 2 --force --out "$OUT_DIR/cli-dropout"
  } > "$OUT_DIR/cli.log"
  grep -E '^(\$ rnn4j|\(exit|COMMAND FAILED|device:|epoch|validation)' "$OUT_DIR/cli.log"
fi

# --- 5. benchmark --------------------------------------------------------------------------------------
# TF32 allowed on both sides (PyTorch's cuDNN default; rnn4j's default), then strict FP32 on both
# (allow_tf32 off; rnn4j -Drnn4j.cuda.allowTf32=false). The GPU's speed drifts over minutes on shared
# machines, so each mode runs in TF32_ROUNDS / FP32_ROUNDS rounds whose order alternates (rnn4j first, then
# PyTorch first), and each round is compared on its own: a ratio is only as good as the two sides' closeness
# in time.
read -ra bench_args <<<"${BENCH_ARGS:---warmup-seconds 1 --repetitions 20}"
if [[ -n ${BENCH_ONLY:-} ]]; then select_cases=(--only "$BENCH_ONLY")
else select_cases=(--set "${BENCH_SET:-G}"); fi

bench_rnn4j() { # TAG MATH ROUND TIMEOUT ARGS...: rnn4j-TAG-rROUND.json; MATH tf32 or fp32
  local tag=$1 allow=true round=$3 limit=$4
  [[ $2 == fp32 ]] && allow=false
  shift 4
  say "rnn4j bench --device cuda, $tag, round $round (rnn4j-$tag-r$round.json)"
  gpu_clocks "rnn4j $tag r$round"
  timeout "$limit" "$JAVA_BIN" -Drnn4j.cuda.allowTf32=$allow -jar "$BUNDLE/rnn4j.jar" bench \
    --device cuda "$@" "${bench_args[@]}" --json "$OUT_DIR/rnn4j-$tag-r$round.json" 2>&1 \
    | tee "$OUT_DIR/bench-rnn4j-$tag-r$round.log"
  (( PIPESTATUS[0] == 0 )) || { echo "RNN4J BENCH FAILED ($tag, round $round)"; status=1; }
}
bench_torch() { # TAG MATH ROUND TIMEOUT ARGS...: torch-TAG-rROUND.json
  (( have_torch )) || return 0
  local tag=$1 tf32=on round=$3 limit=$4
  [[ $2 == fp32 ]] && tf32=off
  shift 4
  say "PyTorch on the same GPU, $tag, round $round (torch-$tag-r$round.json)"
  gpu_clocks "torch $tag r$round"
  LD_LIBRARY_PATH=$ORIGINAL_LD_LIBRARY_PATH timeout "$limit" python3 \
    src/main/python/bench_torch.py --device cuda --tf32 "$tf32" "$@" "${bench_args[@]}" \
    --min-seconds 0.2 --json "$OUT_DIR/torch-$tag-r$round.json" 2>&1 \
    | tee "$OUT_DIR/bench-torch-$tag-r$round.log"
  (( PIPESTATUS[0] == 0 )) || { echo "PYTORCH BENCH FAILED ($tag, round $round)"; status=1; }
}

# Each case's A/B ratio in every round of TAG (from compare-TAG-rN.txt), their median, and the ratio of
# the two sides' fastest rounds. On the lent machines one side's median of a case moves by up to 2x from
# round to round with the GPU at full clock throughout, so one round's ratio says little: the median of the
# ratios and the fastest rounds (what each side can do there) say more.
summarize_rounds() { # TAG
  local files=("$OUT_DIR"/compare-$1-r*.txt)
  [[ -f ${files[0]} ]] || return 0
  say "ratios rnn4j / PyTorch by round, $1 (rounds-$1.txt)"
  awk 'FNR == 1 { r++ }
       $1 ~ /^[A-Z][0-9]+$/ && $2 ~ /^(forward|train_step|loop|forward_host)$/ {
         key = $1 " " $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
         ratio[key, r] = $5
         if (!(key in bestA) || $3 + 0 < bestA[key]) bestA[key] = $3 + 0
         if (!(key in bestB) || $4 + 0 < bestB[key]) bestB[key] = $4 + 0 }
       END {
         printf "%-5s %-12s", "id", "phase"; for (i = 1; i <= r; i++) printf "  round %d", i
         printf "   median   fastest A ms  fastest B ms  ratio\n"
         for (k = 1; k <= n; k++) {
           key = order[k]; split(key, f, " "); printf "%-5s %-12s", f[1], f[2]; m = 0
           for (i = 1; i <= r; i++) {
             if ((key, i) in ratio) { printf "  %7s", ratio[key, i]; v[++m] = ratio[key, i] + 0 }
             else printf "  %7s", "-"
           }
           for (i = 2; i <= m; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
           med = m == 0 ? 0 : (m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2)
           printf "   %6.3f   %12.4g  %12.4g  %5.3f\n", med, bestA[key], bestB[key], bestA[key] / bestB[key]
         }
       }' "${files[@]}" | tee "$OUT_DIR/rounds-$1.txt"
}

# ROUNDS rounds of both sides, the order alternating (rnn4j first in odd rounds), each round compared on
# its own (compare-TAG-rN.txt), then all rounds side by side (rounds-TAG.txt).
bench_rounds() { # TAG MATH ROUNDS TIMEOUT ARGS...
  local tag=$1 math=$2 rounds=$3 limit=$4 round
  shift 4
  for (( round = 1; round <= rounds; round++ )); do
    rm -f "$OUT_DIR/rnn4j-$tag-r$round.json" "$OUT_DIR/torch-$tag-r$round.json"
    if (( round % 2 == 1 )); then
      bench_rnn4j "$tag" "$math" $round "$limit" "$@"; bench_torch "$tag" "$math" $round "$limit" "$@"
    else
      bench_torch "$tag" "$math" $round "$limit" "$@"; bench_rnn4j "$tag" "$math" $round "$limit" "$@"
    fi
    if [[ -s $OUT_DIR/rnn4j-$tag-r$round.json && -s $OUT_DIR/torch-$tag-r$round.json ]]; then
      say "rnn4j (A) against PyTorch (B), $tag, round $round (compare-$tag-r$round.txt)"
      "$JAVA_BIN" -jar "$BUNDLE/rnn4j.jar" bench --compare "$OUT_DIR/rnn4j-$tag-r$round.json" \
        "$OUT_DIR/torch-$tag-r$round.json" 2>&1 | tee "$OUT_DIR/compare-$tag-r$round.txt"
    fi
  done
  summarize_rounds "$tag"
}

bench_rounds tf32 tf32 "${TF32_ROUNDS:-5}" "${BENCH_TIMEOUT:-150}" "${select_cases[@]}"
bench_rounds fp32 fp32 "${FP32_ROUNDS:-1}" "${BENCH_TIMEOUT:-150}" "${select_cases[@]}"

# --- 6. what users run: the training loop and the forward pass of host tensors -----------------------
# Both libraries' defaults: TF32 allowed in cuDNN. forward runs beside forward_host so that the copies'
# share of the host path shows.
if [[ -n ${LOOP_ONLY:-} ]]; then loop_cases=(--only "$LOOP_ONLY"); else loop_cases=(--set L); fi
bench_rounds loop tf32 "${LOOP_ROUNDS:-2}" "${LOOP_TIMEOUT:-240}" "${loop_cases[@]}" \
  --phases "${LOOP_PHASES:-forward,forward_host,loop}"

(( have_torch )) || say "PyTorch with CUDA not available to python3: no comparison"

say "nvidia-smi after the benchmarks (nvidia-smi-end.txt)"
nvidia-smi > "$OUT_DIR/nvidia-smi-end.txt" 2>&1 || echo "nvidia-smi failed"
say "done: $OUT_DIR ($([[ $status == 0 ]] && echo passed || echo FAILED)) in $SECONDS s"
exit "$status"
