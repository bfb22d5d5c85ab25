#!/usr/bin/env bash
# The GPU benchmark: both sweeps (benchmarks/sweep.ml, benchmarks/many_small.ml) with the hand-written torch loop,
# mlc and (where jax has a CUDA backend) JAX, all on CUDA, one round, then the fixed cost and the front end.
# Prints the tables of benchmarks/run.py: wall and CPU seconds, the speed-up over the hand loop, the fraction of
# the GPU's measured fp32 matmul floor, peak host memory. About 5 minutes on one GPU.
#
# Usage: bash benchmarks/gpu.sh [extra run.py flags, e.g. --rounds 2 or --quick]
set -euo pipefail
cd "$(dirname "$0")/.."
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: torch.cuda.is_available() is False')"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python benchmarks/run.py --device cuda --rounds 1 "$@"
