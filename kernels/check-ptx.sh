#!/usr/bin/env bash
# Build check of the committed PTX (run by Maven in process-classes; also by hand):
#   1. every src/main/resources/dev/rnn4j/backend/cuda/kernels/*.ptx assembles with ptxas for sm_75 and
#      sm_90 (so the lowered .version 7.0 header is sound for the oldest and the newest target);
#   2. with nvcc on the PATH, the sources regenerate to the committed PTX: byte for byte when nvcc's
#      version is the manifest's, otherwise ignoring the leading // comment lines (compiler build IDs).
# Without ptxas it prints why and succeeds: the JUnit checks (PtxResourcesTest) still run everywhere.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PTX_DIR="$ROOT/src/main/resources/dev/rnn4j/backend/cuda/kernels"
MANIFEST="$ROOT/kernels/manifest.json"

if ! command -v ptxas >/dev/null; then
  echo "ptxas not on the PATH: skipping PTX assembly checks"
  exit 0
fi

shopt -s nullglob
ptx_files=("$PTX_DIR"/*.ptx)
if [[ ${#ptx_files[@]} -eq 0 ]]; then
  echo "no PTX under $PTX_DIR" >&2
  exit 1
fi
for ptx in "${ptx_files[@]}"; do
  for arch in sm_75 sm_90; do
    ptxas -arch="$arch" -o /dev/null "$ptx" || { echo "ptxas -arch=$arch failed on $ptx" >&2; exit 1; }
  done
done
echo "ptxas: ${#ptx_files[@]} PTX files assemble for sm_75 and sm_90 ($(ptxas --version | grep -o 'V[0-9][0-9.]*' | head -1))"

if ! command -v nvcc >/dev/null; then
  echo "nvcc not on the PATH: skipping the regeneration comparison"
  exit 0
fi
nvcc_version="$(nvcc --version | grep -o 'release [0-9.]*, V[0-9.]*')"
manifest_version="$(sed -n 's/^  "nvcc": "\(.*\)",$/\1/p' "$MANIFEST")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$ROOT/kernels/generate-ptx.sh" "$tmp" >/dev/null

strip_header() {  # the file without its leading // comment lines
  awk 'header && /^\/\// {next} {header = 0; print}' header=1 "$1"
}

status=0
if [[ "$nvcc_version" == "$manifest_version" ]]; then
  mode="byte for byte (nvcc $nvcc_version, as in the manifest)"
else
  mode="ignoring leading // lines (nvcc $nvcc_version, manifest $manifest_version)"
fi
for ptx in "${ptx_files[@]}"; do
  fresh="$tmp/$(basename "$ptx")"
  if [[ ! -f "$fresh" ]]; then
    echo "$ptx has no source in kernels/" >&2
    status=1
  elif [[ "$nvcc_version" == "$manifest_version" ]]; then
    cmp -s "$ptx" "$fresh" || { echo "$ptx differs from a fresh generation: run kernels/generate-ptx.sh" >&2; status=1; }
  else
    cmp -s <(strip_header "$ptx") <(strip_header "$fresh") \
      || { echo "$ptx differs from a fresh generation (past the // header): run kernels/generate-ptx.sh" >&2; status=1; }
  fi
done
for fresh in "$tmp"/*.ptx; do
  [[ -f "$PTX_DIR/$(basename "$fresh")" ]] || { echo "kernels/$(basename "$fresh" .ptx).cu has no committed PTX" >&2; status=1; }
done
[[ $status -eq 0 ]] && echo "regenerated PTX matches the committed PTX, compared $mode"
exit $status
