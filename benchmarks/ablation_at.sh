#!/usr/bin/env bash
# Run benchmarks/ablation.py on the code of one commit, whatever the checkout holds now.
#
#   benchmarks/ablation_at.sh COMMIT OUT [ablation.py arguments ...]
#   benchmarks/ablation_at.sh 413e01c runs/abl43 --every 4 --workflows plan+refine,plan
#
# A run takes hours on 2 cores, and work goes on in the checkout meanwhile: the run uses a
# detached worktree of COMMIT (under ${TMPDIR:-/tmp}), with this checkout's .venv, so the figures
# belong to COMMIT. Reports go to OUT (relative to this checkout); the log to OUT.log.
set -euo pipefail
commit=${1:?usage: ablation_at.sh COMMIT OUT [ablation.py arguments]}
out=${2:?usage: ablation_at.sh COMMIT OUT [ablation.py arguments]}
shift 2
root=$(git rev-parse --show-toplevel)
case $out in /*) ;; *) out=$root/$out ;; esac
tree=${TMPDIR:-/tmp}/agentkit-at-$(git rev-parse --short "$commit")
if [ ! -d "$tree" ]; then
  git -C "$root" worktree add --detach "$tree" "$commit" >/dev/null
  # the package's subpackages live at the top level; the editable install maps them, a bare tree does not
  for p in tools memory evals; do ln -s "../$p" "$tree/agentkit/$p"; done
fi
mkdir -p "$(dirname "$out")"
cd "$tree"
echo "ablation at $(git rev-parse --short HEAD) in $tree -> $out (log $out.log)"
PYTHONPATH=$tree HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False \
  "$root/.venv/bin/python" benchmarks/ablation.py --out "$out" "$@" > "$out.log" 2>&1
