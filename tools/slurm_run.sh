#!/usr/bin/env bash
# Usage: [GPUS=4 GPUS_PER_NODE=4 CPUS_PER_TASK=5 SRUN_ARGS=...] \
#   tools/slurm_run.sh PARTITION JOB_NAME TOOL [tool arguments]
# The srun call behind slurm_train.sh and slurm_test.sh: one srun task per
# GPU, each running tools/TOOL with --launcher slurm appended (mmengine reads
# the rank and world size from slurm). Slurm runs need CUDA GPUs.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 PARTITION JOB_NAME TOOL [tool arguments]" >&2
  exit 2
fi
PARTITION=$1
JOB_NAME=$2
TOOL=$3
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-4}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}
TOOLS="$(cd "$(dirname "$0")" && pwd)"

# shellcheck disable=SC2086  # SRUN_ARGS holds several srun options
PYTHONPATH="$TOOLS/..":${PYTHONPATH:-} \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "$PYTHON" -u "$TOOLS/$TOOL" "${@:4}" --launcher slurm
