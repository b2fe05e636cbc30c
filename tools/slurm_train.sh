#!/usr/bin/env bash
# Usage: [GPUS=4 GPUS_PER_NODE=4 CPUS_PER_TASK=5 SRUN_ARGS=...] \
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py options]
# tools/train.py on slurm, one task per GPU (tools/slurm_run.sh).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 PARTITION JOB_NAME CONFIG [train.py options]" >&2
  exit 2
fi
exec "$(dirname "$0")/slurm_run.sh" "$1" "$2" train.py "${@:3}"
