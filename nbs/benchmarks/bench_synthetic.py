"""Generation time, disk size and difficulty of lascl's synthetic cohorts.

    python nbs/benchmarks/bench_synthetic.py                    # 240-patient HB cohort + 48-patient CT cohort
    python nbs/benchmarks/bench_synthetic.py --n-hb-cohort 60 --n-ct 12 --keep /some/folder

Both cohorts are written from scratch into a temporary folder (or `--keep DIR`), one core (numpy/scipy
run single-threaded here: the generator uses no BLAS), and timed two ways: wall clock and process CPU
time (on a shared machine the wall clock also counts time spent waiting for a core). The template load
(once per process) is timed separately.

Difficulty of the HB task, measured on the written files through `load_manifest` (the same path as a
user's data), 5-fold stratified cross-validation, AUC for HB vs. other:
- `lesion_intensity_features` (T1c statistics in the mask relative to a surrounding shell, log volume)
  with logistic regression and with a random forest;
- age alone (spline logistic regression: HB patients are middle-aged, the others younger or older);
- intensity features + age, |age - 45| and sex with logistic regression.
"""
from __future__ import annotations
import argparse, os, shutil, tempfile, time
os.environ.setdefault('OMP_NUM_THREADS', '1'); os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
from pathlib import Path
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler
from lascl.synthetic import load_template, make_hb_cohort, make_ct_cohort, lesion_intensity_features


def timed(fn, *args, **kw):
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    return out, time.perf_counter() - w, time.process_time() - c


def size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob('*') if p.is_file()) / 2 ** 20


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n-hb-cohort', type=int, default=240, help='HB cohort size (97/240 of it HB)')
    ap.add_argument('--n-ct', type=int, default=48, help='CT cohort size (20/48 of it positive)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--keep', type=Path, default=None, help='write here and keep (default: a temporary folder, removed)')
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix='lascl_bench_synth_'))
    n_hb = max(1, round(args.n_hb_cohort * 97 / 240)); n_pos = max(1, round(args.n_ct * 20 / 48))
    try:
        _, w, c = timed(load_template)
        print(f'template load (once per process): wall {w:.1f} s, cpu {c:.1f} s')
        hb, w, c = timed(make_hb_cohort, root / 'hb', seed=args.seed, n_patients=args.n_hb_cohort, n_hb=n_hb, progress=False, overwrite=True)
        print(f'HB cohort, {len(hb)} patients ({n_hb} HB), 4 contrasts + mask: wall {w:.1f} s, cpu {c:.1f} s '
              f'({c / len(hb):.3f} s cpu/patient), {size_mb(root / "hb"):.0f} MB')
        _, w2, c2 = timed(make_hb_cohort, root / 'hb', seed=args.seed, n_patients=args.n_hb_cohort, n_hb=n_hb, progress=False)
        print(f'HB cohort, second call (cached, loads the manifest): wall {w2:.2f} s')
        ct, w, c = timed(make_ct_cohort, root / 'ct', seed=args.seed, n_patients=args.n_ct, n_positive=n_pos, progress=False, overwrite=True)
        n_files = sum(1 for _ in (root / 'ct' / 'CTs').rglob('*.dcm'))
        print(f'CT cohort, {len(ct)} patients ({n_pos} positive), {n_files} DICOM files: wall {w:.1f} s, cpu {c:.1f} s, '
              f'{size_mb(root / "ct"):.0f} MB; positive slices per positive patient: '
              f'{ct.table.positive_slices[ct.labels == 1].mean():.1f}')

        X = pd.DataFrame([lesion_intensity_features(*(v.array for v in hb.load(i))) for i in range(len(hb))])
        t, y = hb.table, hb.labels
        demo = X.assign(age=t.age.to_numpy(), dage=(t.age - 45).abs().to_numpy(), female=(t.sex == 'F').astype(float).to_numpy())
        cv = StratifiedKFold(5, shuffle=True, random_state=0)
        lr = lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        models = [('intensity stats + volume, logistic regression', lr(), X),
                  ('intensity stats + volume, random forest', RandomForestClassifier(300, min_samples_leaf=3, random_state=0), X),
                  ('age alone, spline logistic regression', make_pipeline(SplineTransformer(n_knots=4), LogisticRegression()), t[['age']]),
                  ('intensity stats + age + sex, logistic regression', lr(), demo)]
        print(f'\nHB vs. other, 5-fold CV AUC on {len(hb)} patients:')
        for name, model, feats in models:
            prob = cross_val_predict(model, feats, y, cv=cv, method='predict_proba')[:, 1]
            print(f'  {name:<50s} {roc_auc_score(y, prob):.3f}')
    finally:
        if args.keep is None: shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
