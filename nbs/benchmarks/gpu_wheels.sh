#!/bin/bash
# Run HERE (a machine with pip access), from the repository root, before a lent GPU machine's first call: downloads into
# .whl/ (git-ignored through .git/info/exclude) the wheels of lascl's requirements that the device image lacks (its image
# has torch, torchvision, timm, pandas, scikit-learn, scikit-image, scipy, h5py, seaborn, tqdm; Python 3.12, x86-64;
# KINDS.md of the device tool lists it).
# Then `nbs/benchmarks/gpu_figures.sh` runs there with carry=['.whl'] (see its header).
set -euo pipefail
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
rm -rf .whl && mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
  'kornia>=0.7.3' kornia_rs 'monai>=1.4' 'segmentation-models-pytorch>=0.6' 'pytorch-metric-learning>=2.5' \
  'pydicom>=3' 'nibabel>=5' pyyaml 'nilearn>=0.10.3' joblib lxml      # nilearn: the MNI templates the synthetic cohorts are built on
ls -la .whl; du -sh .whl          # must stay well under the 64 MiB a call may carry
