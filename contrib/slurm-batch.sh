#!/bin/sh
# SPDX-License-Identifier: MIT
# poolmortem batch as a SLURM job array: one shard per array task, then one merge.
#
#   sbatch --array=0-15 contrib/slurm-batch.sh /shared/dumps /shared/out
#   # when every task has ended (or: sbatch --dependency=afterany:JOBID ...):
#   poolmortem merge --summary /shared/out/summary.json /shared/out/shard-*.ndjson
#
# Shared storage: every node must see the dumps and the output folder under the SAME path (an
# NFS, CephFS or Lustre mount such as /shared), because shards are assigned by canonical path
# (the real path of each file) and every shard lists the whole tree. The dumps are only read;
# each task appends to its own shard-I.ndjson, so no two tasks write one file.
#
# A task that is killed (preempted, time limit) is simply run again: --resume skips what its
# shard file already holds and redoes a half-written last record. `scontrol requeue` or
# re-submitting the same array index is enough.
#
#SBATCH --job-name=poolmortem-batch
#SBATCH --cpus-per-task=4
#SBATCH --mem=16G
#SBATCH --time=04:00:00
#SBATCH --requeue
#SBATCH --open-mode=append
set -eu
DUMPS=${1:?usage: sbatch --array=0-N contrib/slurm-batch.sh DUMPS_DIR OUT_DIR}
OUT=${2:?usage: sbatch --array=0-N contrib/slurm-batch.sh DUMPS_DIR OUT_DIR}
I=${SLURM_ARRAY_TASK_ID:?run me with sbatch --array}
# SLURM_ARRAY_TASK_COUNT is the number of tasks; with --array=0-15 that is 16 shards
N=${SLURM_ARRAY_TASK_COUNT:?run me with sbatch --array}
mkdir -p "$OUT"
# exit 1 (findings) and 4 (some dumps not analyzable) are results, not failures of the task
rc=0
poolmortem batch --shard "$I/$N" --jobs "${SLURM_CPUS_PER_TASK:-1}" --no-progress --resume \
	--output "$OUT/shard-$I.ndjson" "$DUMPS" > "$OUT/shard-$I.summary.txt" || rc=$?
case $rc in 0 | 1 | 4) exit 0 ;; *) exit "$rc" ;; esac
