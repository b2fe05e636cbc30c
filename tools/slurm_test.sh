#!/usr/bin/env bash
# Usage: [GPUS=4 GPUS_PER_NODE=4 CPUS_PER_TASK=5 SRUN_ARGS=...] \
#   tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]
# tools/test.py on slurm, one task per GPU (tools/slurm_run.sh).
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]" >&2
  exit 2
fi
exec "$(dirname "$0")/slurm_run.sh" "$1" "$2" test.py "${@:3}"
