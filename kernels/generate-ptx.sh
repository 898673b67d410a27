#!/usr/bin/env bash
# Compiles kernels/*.cu to the PTX that rnn4j ships and records how (kernels/manifest.json).
#
#   kernels/generate-ptx.sh            writes src/main/resources/dev/rnn4j/backend/cuda/kernels/<name>.ptx
#                                      and kernels/manifest.json (commit both)
#   kernels/generate-ptx.sh OUT_DIR    writes only the PTX, into OUT_DIR (check-ptx.sh compares it)
#
# nvcc emits the PTX ISA of its own release (.version 9.0 for CUDA 13), which older drivers refuse to
# JIT; the kernels use nothing newer than ISA 7.0 (CUDA 11.0), so the header is lowered to .version 7.0
# and ptxas (check-ptx.sh) verifies that the body still assembles under it. Never --use_fast_math;
# --fmad=false keeps a*b+c unfused except where the sources call fma explicitly (as the CPU code does).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOURCES="$ROOT/kernels"
FLAGS=(-ptx -arch=compute_75 --fmad=false)
PTX_VERSION="7.0"

if [[ $# -gt 1 ]]; then
  echo "usage: kernels/generate-ptx.sh [OUT_DIR]" >&2
  exit 2
fi
OUT="${1:-$ROOT/src/main/resources/dev/rnn4j/backend/cuda/kernels}"
WRITE_MANIFEST=$([[ $# -eq 0 ]] && echo yes || echo no)

command -v nvcc >/dev/null || { echo "nvcc not on the PATH: cannot generate PTX" >&2; exit 1; }
NVCC_VERSION="$(nvcc --version | grep -o 'release [0-9.]*, V[0-9.]*')"
mkdir -p "$OUT"

entries_of() {  # the .visible .entry names of one PTX file, sorted
  sed -n 's/^\.visible \.entry \([A-Za-z0-9_]*\)(.*/\1/p' "$1" | LC_ALL=C sort
}

files_json=""
for cu in "$SOURCES"/*.cu; do
  name="$(basename "$cu" .cu)"
  ptx="$OUT/$name.ptx"
  nvcc "${FLAGS[@]}" -o "$ptx" "$cu"
  sed -i -E "s/^\.version [0-9]+\.[0-9]+$/.version $PTX_VERSION/" "$ptx"
  versions="$(grep -c '^\.version ' "$ptx" || true)"
  lowered="$(grep -cx "\.version $PTX_VERSION" "$ptx" || true)"
  if [[ "$versions" != 1 || "$lowered" != 1 ]]; then
    echo "$ptx: expected exactly one '.version $PTX_VERSION' line, found $lowered (of $versions .version lines)" >&2
    exit 1
  fi
  sha="$(sha256sum "$cu" | cut -d' ' -f1)"
  entries=""
  while read -r entry; do
    entries+="${entries:+, }\"$entry\""
  done < <(entries_of "$ptx")
  files_json+="${files_json:+,
}    \"$name.cu\": {
      \"sha256\": \"$sha\",
      \"ptx\": \"$name.ptx\",
      \"entries\": [$entries]
    }"
  echo "$name.cu -> $ptx ($(entries_of "$ptx" | wc -l) entries)"
done

if [[ "$WRITE_MANIFEST" == yes ]]; then
  flags_json=""
  for f in "${FLAGS[@]}"; do
    flags_json+="${flags_json:+, }\"$f\""
  done
  cat > "$SOURCES/manifest.json" <<JSON
{
  "nvcc": "$NVCC_VERSION",
  "flags": [$flags_json],
  "ptxVersion": "$PTX_VERSION",
  "files": {
$files_json
  }
}
JSON
  echo "wrote $SOURCES/manifest.json"
fi
