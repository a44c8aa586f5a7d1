"""Check a two-rank torchrun run of `lascl train` against the same run in one process (called by .ci/smoke).

usage: python .ci/check_ddp.py WORK METHOD
  WORK/two, WORK/one: the --out-dir of the two-rank and the one-process run;
  WORK/trace2, WORK/trace1: their LASCL_TRACE_DIR (`lascl.train.fit` writes one file per training loop and rank).
Checks: one results folder, params.json's world_size; in every data-parallel training loop, each rank trained on its
own part of every global batch and the parts make up the one-process batches exactly; all ranks end with identical
state (weights, BatchNorm statistics and MoCo queues: `lascl.train.state_digest`); the test metrics agree with the
one-process run within TOLERANCE (on CPU each rank normalises BatchNorm over its half of the batch and draws its own
augmentations, so the two runs are not bit-identical), and so does the stage-1 training loss of every epoch.
"""
import json, sys
from pathlib import Path

TOLERANCE = {'roc_auc': 0.25, 'balanced_accuracy': 0.25}    # absolute, on the smoke cohort's 6 test patients (2 x 4 pairs: 0.125 a pair)
LOSS_RTOL = 0.10                                            # the global stage-1 loss per epoch (history.csv), relative
work, method = Path(sys.argv[1]), sys.argv[2]

runs = {k: sorted((work / k).glob(f'*/{method}/fold0/metrics.json')) for k in ('two', 'one')}
for k, r in runs.items():
    assert len(r) == 1, f"{k}: expected one results folder, got {r}"
folders = [p.parent for p in (work / 'two').glob('*/*/fold*')]
assert len(folders) == 1, f"two ranks wrote {len(folders)} results folders: {folders}"
ws = {k: json.loads((r[0].parent / 'params.json').read_text())['world_size'] for k, r in runs.items()}
assert ws == {'two': 2, 'one': 1}, ws

t1 = {p.name.split('.rank')[0]: json.loads(p.read_text()) for p in (work / 'trace1').glob('*.rank0.json')}
t2 = {}
for p in (work / 'trace2').glob('*.rank*.json'):
    d = json.loads(p.read_text()); t2.setdefault(p.name.split('.rank')[0], {})[d['rank']] = d
assert t1 and set(t1) == set(t2), f"training loops: one process {sorted(t1)}, two ranks {sorted(t2)}"
for name, ranks in t2.items():
    assert sorted(ranks) == [0, 1] and all(d['world_size'] == 2 for d in ranks.values()), (name, sorted(ranks))
    assert ranks[0]['state'] == ranks[1]['state'], f"{name}: the ranks end with different state"
    one, r0, r1 = t1[name]['epochs'], ranks[0]['epochs'], ranks[1]['epochs']
    assert len(one) == len(r0) == len(r1), (name, len(one), len(r0), len(r1))
    for e, (b1, a0, a1) in enumerate(zip(one, r0, r1)):
        assert [x + y for x, y in zip(a0, a1)] == b1, f"{name}, epoch {e + 1}: the ranks' parts are not the one-process batches"
        assert all(len(x) and len(y) for x, y in zip(a0, a1)), f"{name}, epoch {e + 1}: a rank got an empty batch"
    n = sum(len(b) for b in one[0])
    print(f"{name}: {len(one)} epoch(s), {len(one[0])} global batches ({n} samples) per epoch, split over 2 ranks; identical final state")

import csv
def stage1_losses(run):
    rows = list(csv.DictReader(open(run.parent / 'history.csv')))
    return [float(r['train_loss']) for r in rows if r.get('stage') == 'encoder' and r.get('train_loss')]
l2, l1 = stage1_losses(runs['two'][0]), stage1_losses(runs['one'][0])
assert len(l2) == len(l1) and l1, (l2, l1)
for e, (a, b) in enumerate(zip(l2, l1)):
    print(f"stage-1 training loss, epoch {e + 1}: two ranks {a:.4f}, one process {b:.4f} (relative difference {abs(a - b) / abs(b):.1%} <= {LOSS_RTOL:.0%})")
    assert abs(a - b) <= LOSS_RTOL * abs(b), f"epoch {e + 1}: stage-1 loss {a:.4f} (two ranks) against {b:.4f} (one process)"

m = {k: json.loads(r[0].read_text())['test'] for k, r in runs.items()}
for key, tol in TOLERANCE.items():
    if key not in m['one']: continue
    a, b = m['two'][key]['value'], m['one'][key]['value']
    print(f"test {key}: two ranks {a:.3f}, one process {b:.3f} (|difference| {abs(a - b):.3f} <= {tol})")
    assert abs(a - b) <= tol, f"test {key}: two ranks {a:.3f} against one process {b:.3f}, beyond {tol}"
print('two-rank run consistent with one process')
