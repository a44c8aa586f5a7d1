#!/bin/bash
# The GPU figures of the README (issue 13, item 4), as one prepared command for a lent GPU machine (`device` tool):
#   run(command='bash nbs/benchmarks/gpu_figures.sh', carry=['.whl'], timeout_s=580)
# after `bash nbs/benchmarks/gpu_wheels.sh` here. Everything it prints also goes to $OUT/gpu_figures.txt (one file back).
# Budget: about 9 minutes in all; each part has its own timeout so that one slow part cannot take the others down.
#   1. augmentation: kornia on the GPU vs torchvision v2 per sample in a DataLoader (target >= 20x)
#   2. losses at N = 16384 against pytorch-metric-learning (and the direct NTXent comparison)
#   3. a 2D (lascl-plc) and a 3D (lascl-plc-3d) training step, images (volumes) per second, on the HB cohort
#   4. one full fold's wall time: lascl-plc, default preset, fold 0, on the GPU
#   5. DDP on the GPU: torchrun (NCCL) with SyncBatchNorm on a smoke run
set -uo pipefail
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"; LOG="$OUT/gpu_figures.txt"
exec > >(tee "$LOG") 2>&1
if ls .whl/*.whl > /dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
else export PYTHONPATH=$PWD; fi
export LASCL_DATA=/tmp/lascl_data MPLBACKEND=Agg PYTHONUNBUFFERED=1
part() { echo; echo "=== $* ($(date +%H:%M:%S))"; }
part "device"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
python3 -c "import torch, lascl.experiment, kornia, timm, monai, segmentation_models_pytorch, pytorch_metric_learning as p; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0))" || exit 1
part "1. augmentation: kornia on the GPU vs torchvision per sample"
timeout 120 python3 nbs/benchmarks/bench_augment.py --workers 8
part "2. losses at N = 16384 vs pytorch-metric-learning"
timeout 90 python3 nbs/benchmarks/bench_losses.py --n 16384 --device cuda
part "the HB cohort (generated once into \$LASCL_DATA)"
timeout 120 python3 -c "from lascl.experiment import load_cohort; import time; t=time.time(); c=load_cohort('hb', progress=False); print(c.name, len(c.table), 'patients', round(time.time()-t), 's')"
part "3a. 2D training step (lascl-plc vs plain supervised)"
timeout 80 python3 nbs/benchmarks/bench_train.py --device cuda --cohort hb --no-memory
part "3b. 3D training step (lascl-plc-3d vs supervised-3d)"
timeout 80 python3 nbs/benchmarks/bench_train.py --device cuda --method lascl-plc-3d --cohort hb --no-memory
part "4. one full fold: lascl-plc, default preset, fold 0"
/usr/bin/time -f 'wall %e s' timeout 150 python3 -m lascl.cli train --method lascl-plc --fold 0 --device cuda --out-dir /tmp/gpu_results --quiet \
  && python3 -c "import json; m=json.load(open('/tmp/gpu_results/hb/lascl-plc/fold0/metrics.json')); print('test AUC', round(m['test']['roc_auc']['value'], 3), 'runtime_s', round(m['runtime_s']), m.get('device'))"
part "5. torchrun on the GPU (NCCL, SyncBatchNorm), smoke"
timeout 60 torchrun --standalone --nproc_per_node 1 -m lascl.cli train --smoke --method lascl-plc --fold 0 --device cuda --out-dir /tmp/gpu_ddp --quiet \
  && python3 -c "import json; p=json.load(open('/tmp/gpu_ddp/hb-smoke/lascl-plc/fold0/params.json')); print('world_size', p.get('world_size'))"
part "done"
