"""Benchmark: images/s of a LaSCL-PLC pretraining step vs. a plain supervised step (same backbone, input size, batch).

Spec (printed figures, not a timed test): a `lascl-plc` stage-1 step reaches >= 0.45x the images/s of a
plain supervised step in the same run (two encoders and a decoder cost about that much in FLOPs), and
the data loader alone delivers >= 10x the images/s of the `lascl-plc` step.

What is timed (each after `--warmup` untimed steps; median over every timed step of `--repeats` rounds;
the rounds interleave the kinds, so that a change of machine load hits all of them alike):
  loader      `lascl.experiment.encoder_loader` (ContrastivePairDataset with same-class key slices,
              class-balanced sampler, default collate, num_workers=0 as in the run), iterated alone.
  lascl-plc   `make_task(get_method('lascl-plc'))`, one step as `lascl.train.fit` does it: batch to
              device, autocast (per `amp_dtype`), forward (augmentation of both views, momentum update,
              query encoder + U-Net decoder, key encoder, class-queue InfoNCE, lesion CE + Dice),
              isfinite check, zero_grad, backward, grad clipping, AdamW step, LR-scheduler step, after_step
              (enqueue), log floats.
  supervised  the same timm backbone (`create_encoder(cfg.encoder.backbone, in_chans=1)`) + one nn.Linear head,
              cross-entropy on the un-augmented slices; no momentum encoder, no decoder; same engine
              step, optimiser and grad clipping.
  augment     `task.views(batch)` alone (the two augmented views the lascl-plc step makes), no grad.
Steps run on a fixed set of pre-loaded batches, so the step figures exclude data loading.
images/s = batch size / seconds per step (one "image" = one training slice; lascl-plc also reads its key slice).
CPU seconds per step (`time.process_time`, all threads of the process) are printed next to wall time:
on a shared machine wall time includes waiting for a core, CPU time does not.

Memory: every kind is measured again in a fresh subprocess (so no allocator cache or high-water mark
carries over from another kind). CUDA: `torch.cuda.max_memory_allocated()` over the timed steps
(minus what was allocated before them: weights, optimiser state, batches), and the absolute peak.
CPU: torch has no CPU allocation counter, so the process's resident-set high-water mark is used:
after the warm-up steps the worker resets it (`echo 5 > /proc/self/clear_refs`), reads VmRSS, runs
the steps and reads VmHWM; "step" = VmHWM - VmRSS, the extra physical memory the steps touched at
their peak (activations, gradients, temporaries; optimiser state exists already after warm-up), and
"process" = the whole process's peak RSS (VmHWM over setup, warm-up and steps: Python, torch
libraries, model, optimiser state, data; not `ru_maxrss`, which a child inherits from its parent's
RSS at fork). Where clear_refs is unavailable the step column is blank.

`--breakdown` also times the parts of the lascl-plc step (wall, sum over parts + rest) and the
step of variants that isolate one cost each (no augmentation, no decoder, supervised with
augmentation), to show where the extra time of lascl-plc goes.

    python nbs/benchmarks/bench_train.py                     # lascl-plc default preset: resnet18, 64x64, batch 64, CPU/GPU auto
    python nbs/benchmarks/bench_train.py --breakdown         # + where the time goes
    python nbs/benchmarks/bench_train.py --device cpu --threads 2 --steps 5 --repeats 3
    python nbs/benchmarks/bench_train.py --cohort hb         # the cached synthetic HB cohort instead of toy slices
    python nbs/benchmarks/bench_train.py --decoder-channels 128,64,32,16 --fused-adamw   # what-if: lighter decoder, fused AdamW
    python nbs/benchmarks/bench_train.py --method lascl-plc-3d --cohort hb --no-memory  # the 3D step vs supervised-3d (volumes/s)

`--method lascl-plc-3d` times the 3D path (`lascl.volume`) on the cached HB cohort's lesion-centred volumes (the
toy slices are 2D): the 'lascl-plc' kind is then the lascl-plc-3d step, 'supervised' the `supervised-3d` step on
the same volumes (its own 3D ResNet + linear head, the registered method's augmentation), and one "image" is one
volume. `--breakdown` is for the 2D step only.

On a shared CPU the wall-clock figures include waiting for a core; the script then also gives the
verdict on CPU time (one torch thread: CPU seconds ~ the step's own work) and says which to trust.
`--decoder-channels` / `--fused-adamw` are what-ifs for this process only (they patch the encoder
constructor / the optimiser here; the library is unchanged).
"""
from __future__ import annotations
import argparse, json, os, statistics, subprocess, sys, time
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lascl.core import get_device, seed_everything
from lascl.data import FoldSplit
from lascl.testing import toy_store
from lascl.experiment import ExperimentData, RunParams, Run, encoder_loader
from lascl.methods import make_task as method_task, MethodConfig, get_method
from lascl.models import create_encoder
from lascl.train import TrainConfig, amp_dtype, make_optimizer, make_scheduler

KINDS = ('loader', 'lascl-plc', 'supervised', 'augment')
TARGET_RATIO, TARGET_LOADER = 0.45, 10.0


# ----------------------------------------------------------------------------------------------- data
def build_data(args, cfg: MethodConfig) -> tuple[ExperimentData, str]:
    "The run's slices and training split: toy slices of `cfg.encoder.image_size`, or the cached HB cohort (`--cohort hb`)."
    if is_volume(cfg) and args.cohort != 'hb':
        raise SystemExit(f'bench_train: {cfg.name} trains on volumes; the toy slices are 2D: use --cohort hb')
    if args.cohort == 'hb':
        import importlib.util
        from lascl.core import default_data_dir
        try:
            if importlib.util.find_spec('lascl.synthetic') is None: raise ImportError('lascl.synthetic is not built yet')
            root = default_data_dir() / 'hb'
            if not (root.is_dir() and any(root.iterdir())): raise FileNotFoundError(f'no cached cohort in {root}')
            data = Run(RunParams(method=cfg.name, cohort='hb', image_size=cfg.encoder.image_size, batch_size=cfg.schedule.batch_size,
                                 progress=False), cfg).prepare()
            unit = 'lesion-centred volumes' if is_volume(cfg) else 'slices'
            return data, f'hb cohort ({len(data.split.train)} training patients, {len(data.store)} {unit})'
        except Exception as e:                       # no cohort / no generator yet: say so and use toy slices
            if is_volume(cfg): raise SystemExit(f'bench_train: {cfg.name} needs the cached HB cohort: {type(e).__name__}: {e}')
            print(f'[bench_train] --cohort hb unavailable ({type(e).__name__}: {e}); using toy slices', file=sys.stderr)
    store = toy_store(n_patients=args.patients, slices=(4, 12), size=cfg.encoder.image_size, seed=0)
    pats = np.arange(store.n_patients)
    data = ExperimentData(cohort=None, store=store, split=FoldSplit(0, pats, pats[:0], pats[:0]))
    return data, f'toy_store ({store.n_patients} patients, {len(store)} slices of {cfg.encoder.image_size}x{cfg.encoder.image_size})'


def cycle_batches(loader):
    "Endless batches, advancing the loader's epoch (sampler / dataset seeds) as `fit` does."
    epoch = 0
    while True:
        for obj in (getattr(loader, 'sampler', None), getattr(loader, 'batch_sampler', None), getattr(loader, 'dataset', None)):
            if hasattr(obj, 'set_epoch'): obj.set_epoch(epoch)
        yield from loader
        epoch += 1


def to_device(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v for k, v in batch.items()}


# ---------------------------------------------------------------------------------------------- tasks
class PlainSupervised(nn.Module):
    "timm backbone + linear head, cross-entropy on the slices as they come (no augmentation): `forward(batch) -> (loss, logs)`."
    def __init__(self, backbone: str, n_classes: int = 2):
        super().__init__()
        self.encoder = create_encoder(backbone, in_chans=1)
        self.head = nn.Linear(self.encoder.num_features, n_classes)

    def forward(self, batch: dict):
        loss = F.cross_entropy(self.head(self.encoder(batch['image'])), batch['label'])
        return loss, dict(ce=loss.detach())


class EngineStep:
    "One iteration of `lascl.train.fit`'s inner loop on a given batch (same optimiser, clipping, AMP and scheduler)."
    def __init__(self, task: nn.Module, device: torch.device, lr: float, epochs: int = 100, steps_per_epoch: int = 100):
        self.cfg = TrainConfig(epochs=epochs, lr=lr, warmup_epochs=1, device=str(device), progress=False)
        self.task, self.device = task.to(device).train(), device
        self.opt = make_optimizer(task, self.cfg)
        if WHAT_IF.get('fused_adamw'):                                  # same groups, fused kernel (torch >= 2.4 on CPU)
            self.opt = torch.optim.AdamW([{k: v for k, v in g.items() if k in ('params', 'weight_decay')} for g in self.opt.param_groups],
                                         lr=lr, fused=True)
        self.sched = make_scheduler(self.opt, self.cfg, steps_per_epoch)
        self.dtype = amp_dtype(self.cfg, device)
        self.scaler = torch.amp.GradScaler(device.type, enabled=self.dtype == torch.float16)
        self.parts = None                                          # dict of part -> seconds when breaking down

    @contextmanager
    def _part(self, name: str):
        if self.parts is None: yield; return
        clock = part_clock(self.device)
        sync(self.device); t = clock(); yield; sync(self.device)
        self.parts[name] = self.parts.get(name, 0.0) + clock() - t

    def __call__(self, batch: dict) -> float:
        batch = to_device(batch, self.device)
        with torch.autocast(self.device.type, dtype=self.dtype or torch.float32, enabled=self.dtype is not None):
            loss, logs = self.task(batch)
        if not torch.isfinite(loss): raise FloatingPointError(f'non-finite loss {loss.item()}')
        with self._part('backward'):
            self.opt.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
        with self._part('clip grad norm'):
            if self.cfg.grad_clip:
                self.scaler.unscale_(self.opt); nn.utils.clip_grad_norm_(self.task.parameters(), self.cfg.grad_clip)
        with self._part('optimizer + sched'):
            self.scaler.step(self.opt); self.scaler.update(); self.sched.step()
        with self._part('after_step (enqueue)'):
            if hasattr(self.task, 'after_step'): self.task.after_step()
        return sum(float(v) for v in {'loss': loss.detach(), **logs}.values())


def sync(device: torch.device) -> None:
    if device.type == 'cuda': torch.cuda.synchronize(device)


def part_clock(device: torch.device):
    "The breakdown's clock: process CPU time on CPU (robust to a shared machine), synchronised wall time on GPU."
    return time.perf_counter if device.type == 'cuda' else time.process_time


WHAT_IF: dict = {}                                                   # --decoder-channels / --fused-adamw (what-if runs)


@contextmanager
def _decoder_channels(channels):
    "Build LaSCL encoders with other decoder widths (a what-if: the method registry has no such field yet)."
    import lascl.methods as lm
    if not channels: yield; return
    orig = lm.LesionAwareEncoder
    lm.LesionAwareEncoder = lambda *a, **k: orig(*a, decoder_channels=channels, **k)
    try: yield
    finally: lm.LesionAwareEncoder = orig


def make_task(kind: str, cfg: MethodConfig, n_classes: int) -> nn.Module:
    with _decoder_channels(WHAT_IF.get('decoder_channels')): return _make_task(kind, cfg, n_classes)


def _make_task(kind: str, cfg: MethodConfig, n_classes: int) -> nn.Module:
    "The module a kind trains: the lascl-plc stage-1 task, a variant of it, or the plain supervised model."
    if kind == 'supervised' and is_volume(cfg):       # the 3D counterpart: the registered supervised-3d step on the same volumes
        return method_task(get_method('supervised-3d', **_sizes(cfg), options=cfg.encoder.options), n_classes)
    if kind == 'supervised': return PlainSupervised(cfg.encoder.backbone, n_classes)
    if kind == 'lascl-plc': return method_task(cfg, n_classes)
    if kind == 'lascl-plc-noseg': return method_task(get_method('lascl-plc-noseg', **_sizes(cfg)), n_classes)
    if kind == 'lascl-plc-noaug':
        task = method_task(cfg, n_classes)
        task._views = lambda b: ((b['image'], b['mask']), (b.get('image_k', b['image']), b.get('mask_k', b['mask'])))
        return task
    if kind == 'supervised+aug': return method_task(get_method('supervised', **_sizes(cfg)), n_classes)
    raise ValueError(kind)


def _sizes(cfg: MethodConfig) -> dict:
    return dict(backbone=cfg.encoder.backbone, image_size=cfg.encoder.image_size, batch_size=cfg.schedule.batch_size)


# -------------------------------------------------------------------------------------------- timing
class Timer:
    "Runs one kind a step at a time and keeps wall and CPU seconds of each timed step."
    def __init__(self, kind: str, fn, device: torch.device):
        self.kind, self.fn, self.device = kind, fn, device
        self.wall, self.cpu = [], []

    def run(self, n: int, keep: bool = True) -> None:
        for _ in range(n):
            sync(self.device); w, c = time.perf_counter(), time.process_time()
            self.fn()
            sync(self.device); w, c = time.perf_counter() - w, time.process_time() - c
            if keep: self.wall.append(w); self.cpu.append(c)


def setup_kind(kind: str, args, cfg: MethodConfig, data: ExperimentData, device: torch.device):
    "A zero-argument callable doing one unit of `kind` (one batch loaded / one training step / one augmentation)."
    n_classes = len(data.store.classes)
    if kind == 'loader':
        it = cycle_batches(encoder_loader(data, cfg, seed=0))
        return lambda: next(it), None
    loader = encoder_loader(data, cfg, seed=0)
    gen = cycle_batches(loader)
    batches = [next(gen) for _ in range(args.n_batches)]              # fixed pre-loaded batches: steps exclude loading
    state = dict(i=0)
    def next_batch():
        b = batches[state['i'] % len(batches)]; state['i'] += 1; return b
    seed_everything(0)
    if kind == 'augment':
        task = make_task('lascl-plc', cfg, n_classes).to(device)
        dev_batches = [to_device(b, device) for b in batches]
        def aug():
            with torch.no_grad(): return task.views(dev_batches[state['i'] % len(dev_batches)])
        return aug, task
    step = EngineStep(make_task(kind, cfg, n_classes), device, cfg.schedule.lr, steps_per_epoch=len(loader))
    return (lambda: step(next_batch())), step


def step_flops(kind: str, args, cfg: MethodConfig, data: ExperimentData, device: torch.device) -> float:
    "Conv/matmul FLOPs of one step of `kind` (forward + backward), counted by `torch.utils.flop_counter`."
    from torch.utils.flop_counter import FlopCounterMode
    fn, _ = setup_kind(kind, args, cfg, data, device)
    fn()                                                               # first step: lazy state (optimiser) outside the count
    with FlopCounterMode(display=False) as fc: fn()
    return float(fc.get_total_flops())


# --------------------------------------------------------------------------------------------- memory
def _status_kb(key: str) -> int:
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith(key + ':'): return int(line.split()[1])
    raise KeyError(key)


def _reset_hwm() -> bool:
    try:
        with open('/proc/self/clear_refs', 'w') as fh: fh.write('5')
        return True
    except OSError: return False


def memory_worker(kind: str, args) -> dict:
    "Peak memory of `kind` in this (fresh) process: warm-up, reset the high-water mark, timed-size run."
    cfg, device = method_config(args), get_device(args.device)
    data, _ = build_data(args, cfg)
    fn, _ = setup_kind(kind, args, cfg, data, device)
    for _ in range(max(1, args.warmup)): fn()
    sync(device)
    out = dict(kind=kind, device=device.type)
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device); base = torch.cuda.memory_allocated(device)
        for _ in range(args.steps): fn()
        sync(device); peak = torch.cuda.max_memory_allocated(device)
        out.update(step_mb=(peak - base) / 2 ** 20, process_mb=peak / 2 ** 20, what='torch.cuda.max_memory_allocated')
    else:                                   # VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's RSS at fork
        setup = _status_kb('VmHWM'); ok = _reset_hwm(); base = _status_kb('VmRSS')
        for _ in range(args.steps): fn()
        hwm = _status_kb('VmHWM')
        out.update(step_mb=(hwm - base) / 1024 if ok else None, process_mb=max(setup, hwm) / 1024,
                   what='RSS high-water mark (VmHWM)')
    return out


def measure_memory(argv: list[str]) -> dict[str, dict]:
    "Run `memory_worker` for every kind in its own subprocess; kind -> result (or an error string)."
    res = {}
    for kind in KINDS:
        cmd = [sys.executable, os.path.abspath(__file__), '--_memory-worker', kind, *argv]
        p = subprocess.run(cmd, capture_output=True, text=True)
        line = [l for l in p.stdout.splitlines() if l.startswith('{')]
        res[kind] = json.loads(line[-1]) if p.returncode == 0 and line else dict(error=(p.stderr.strip().splitlines() or ['?'])[-1])
    return res


# ------------------------------------------------------------------------------------------ breakdown
def breakdown(args, cfg, data, device) -> None:
    "Where the lascl-plc step's time goes: wall seconds of its parts (hooks/wrappers, synchronised), median per step."
    fn, step = setup_kind('lascl-plc', args, cfg, data, device)
    task = step.task
    for _ in range(args.warmup): fn()
    step.parts = {}
    def wrap(obj, name: str, label: str):
        orig = getattr(obj, name)
        def timed(*a, **k):
            with step._part(label): return orig(*a, **k)
        setattr(obj, name, timed)
    wrap(task, '_views', 'augment (2 views)')
    wrap(task.moco, 'momentum_update', 'momentum update')
    wrap(task.moco.encoder_q.backbone, 'forward', 'query backbone fwd')
    wrap(task.moco.encoder_k, 'forward', 'key encoder fwd')
    wrap(task.moco.queue, 'forward', 'class-queue loss fwd')
    if task.seg_loss is not None: wrap(task.seg_loss, 'forward', 'seg loss fwd (CE+Dice)')
    # decoder: the query encoder's forward minus its backbone
    enc = task.moco.encoder_q; orig_enc = enc.forward; clock = part_clock(device)
    def enc_fwd(*a, **k):
        t0 = dict(step.parts); sync(device); t = clock()
        out = orig_enc(*a, **k); sync(device)
        inner = step.parts.get('query backbone fwd', 0) - t0.get('query backbone fwd', 0)
        step.parts['decoder fwd (+upsample)'] = step.parts.get('decoder fwd (+upsample)', 0) + clock() - t - inner
        return out
    enc.forward = enc_fwd
    per_step, totals = [], []
    for _ in range(args.steps * args.repeats):
        step.parts = {}
        sync(device); t = clock(); fn(); sync(device); totals.append(clock() - t)
        per_step.append(step.parts)
    names = list(per_step[0])
    med = {n: statistics.median(p.get(n, 0.0) for p in per_step) for n in names}
    total = statistics.median(totals)
    med['rest (forward glue, heads, checks, logs)'] = max(0.0, total - sum(med.values()))
    what = 'synchronised wall' if device.type == 'cuda' else 'process CPU'
    print(f'\nWhere the lascl-plc step goes ({what} ms per part, median of {len(totals)} steps; total {1e3 * total:.0f} ms; '
          f'backward includes the decoder\'s backward -- see the lascl-plc-noseg variant for the decoder\'s whole cost):')
    for n, v in sorted(med.items(), key=lambda kv: -kv[1]):
        print(f'  {n:<42s} {1e3 * v:8.1f} ms  {100 * v / total:5.1f} %')
    n_q = sum(p.numel() for p in task.moco.encoder_q.parameters()) + sum(p.numel() for p in task.moco.head_q.parameters())
    n_dec = sum(p.numel() for m in (task.moco.encoder_q.decoder, task.moco.encoder_q.seg_head) for p in m.parameters())
    print(f'  (trainable params {n_q / 1e6:.2f} M, of which decoder {n_dec / 1e6:.2f} M; '
          f'key encoder copy incl. decoder: {sum(p.numel() for p in task.moco.key_parameters()) / 1e6:.2f} M)')


# -------------------------------------------------------------------------------------------- main
def is_volume(cfg: MethodConfig) -> bool:
    "Whether the method trains on lesion-centred volumes (the 3D path) rather than slices."
    return cfg.encoder.crop == 'volume'


def method_config(args) -> MethodConfig:
    return get_method(args.method, args.preset, backbone=args.backbone, image_size=args.image_size, batch_size=args.batch_size)


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--device', default='auto', help="'auto' | 'cpu' | 'cuda' (default auto)")
    ap.add_argument('--method', default='lascl-plc', choices=('lascl-plc', 'lascl-plc-3d'),
                    help="the step timed as 'lascl-plc': the 2D method (default) or its 3D seed (needs --cohort hb)")
    ap.add_argument('--preset', default='default', help="lascl-plc preset the other settings default to (default 'default')")
    ap.add_argument('--batch-size', type=int, default=None, help="default: the preset's (64)")
    ap.add_argument('--image-size', type=int, default=None, help="default: the preset's (64)")
    ap.add_argument('--backbone', default=None, help="timm name; default: the preset's (resnet18)")
    ap.add_argument('--steps', type=int, default=4, help='timed steps per kind per round (default 4)')
    ap.add_argument('--repeats', type=int, default=3, help='interleaved rounds (default 3)')
    ap.add_argument('--warmup', type=int, default=2, help='untimed steps per kind first (default 2)')
    ap.add_argument('--loader-batches', type=int, default=20, help='batches timed per loader round (default 20)')
    ap.add_argument('--n-batches', type=int, default=3, help='pre-loaded batches the steps cycle through (default 3)')
    ap.add_argument('--patients', type=int, default=60, help='toy patients (4-12 slices each; default 60)')
    ap.add_argument('--cohort', default='toy', choices=('toy', 'hb'), help="'toy' slices, or the cached 'hb' cohort")
    ap.add_argument('--threads', type=int, default=1, help='torch intra-op threads (default 1)')
    ap.add_argument('--no-memory', action='store_true', help='skip the per-kind memory subprocesses')
    ap.add_argument('--breakdown', action='store_true', help='also time the parts of the lascl-plc step and variants')
    ap.add_argument('--decoder-channels', default=None,
                    help="what-if: lascl-plc decoder widths, e.g. 128,64,32,16 (default: the library's, 256,128,64,32 for resnet18)")
    ap.add_argument('--fused-adamw', action='store_true', help='what-if: AdamW(fused=True) for every kind (same param groups)')
    ap.add_argument('--_memory-worker', dest='memory_worker', default=None, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(argv)
    torch.set_num_threads(args.threads)
    if args.decoder_channels: WHAT_IF['decoder_channels'] = tuple(int(c) for c in args.decoder_channels.split(','))
    if args.fused_adamw: WHAT_IF['fused_adamw'] = True
    if args.memory_worker:
        print(json.dumps(memory_worker(args.memory_worker, args))); return 0
    cfg, device = method_config(args), get_device(args.device)
    data, what = build_data(args, cfg)
    B = cfg.schedule.batch_size
    load = os.getloadavg() if hasattr(os, 'getloadavg') else (float('nan'),) * 3
    shape = f'{cfg.encoder.image_size}x{cfg.encoder.image_size}' if not is_volume(cfg) else 'x'.join(map(str, data.store.images.shape[-3:]))
    print(f'bench_train: {cfg.name} ({cfg.encoder.backbone}, {shape}, batch {B}) vs {"supervised-3d" if is_volume(cfg) else "plain supervised"}; '
          f'device {device}{f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""}, '
          f'torch threads {torch.get_num_threads()}, {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}')
    print(f'data: {what}; torch {torch.__version__}, amp {amp_dtype(TrainConfig(), device)}'
          + ''.join(f'; WHAT-IF {k}={v}' for k, v in WHAT_IF.items()))

    breakdown_2d = args.breakdown and not is_volume(cfg)                 # the breakdown and its variants are the 2D step's
    kinds = list(KINDS) + (['lascl-plc-noaug', 'lascl-plc-noseg', 'supervised+aug'] if breakdown_2d else [])
    timers = {}
    for k in kinds:
        fn, _ = setup_kind(k, args, cfg, data, device)
        timers[k] = Timer(k, fn, device)
        timers[k].run(args.warmup * (args.loader_batches if k == 'loader' else 1), keep=False)
    for r in range(args.repeats):                                         # interleaved rounds
        for k in kinds:
            timers[k].run(args.loader_batches if k == 'loader' else args.steps)
    med = {k: (statistics.median(t.wall), statistics.median(t.cpu)) for k, t in timers.items()}
    ips = {k: B / w for k, (w, c) in med.items()}

    flop_kinds = ['lascl-plc', 'supervised'] + (['lascl-plc-noseg'] if breakdown_2d else [])
    flops = {k: step_flops(k, args, cfg, data, device) for k in flop_kinds}
    mem = {} if args.no_memory else measure_memory(argv)
    def mem_cols(k):
        m = mem.get(k)
        if not m: return '', ''
        if 'error' in m: return 'error', ''
        return ('' if m['step_mb'] is None else f"{m['step_mb']:.0f}"), f"{m['process_mb']:.0f}"

    print(f'\n{"kind":<18s} {"ms/batch":>9s} {"CPU ms":>8s} {"images/s":>9s} {"spread ms":>13s} {"step MB":>8s} {"peak MB":>8s}')
    for k in kinds:
        t = timers[k]; w, c = med[k]
        lo, hi = np.percentile(t.wall, [10, 90]) * 1e3
        sm, pm = mem_cols(k)
        print(f'{k:<18s} {1e3 * w:9.1f} {1e3 * c:8.1f} {ips[k]:9.0f} {f"{lo:.0f}-{hi:.0f}":>13s} {sm:>8s} {pm:>8s}')
    mem_what = next((m['what'] for m in mem.values() if 'what' in m), None)
    print(f'(median of {len(timers["lascl-plc"].wall)} steps / {len(timers["loader"].wall)} loader batches; spread = 10th-90th '
          f'percentile of wall ms; memory: {mem_what or "not measured"}; "step MB" = peak during the timed steps above the '
          f'level before them, "peak MB" = whole process)')

    ratio = ips['lascl-plc'] / ips['supervised']
    ratio_cpu = med['supervised'][1] / med['lascl-plc'][1]
    loader_x = ips['loader'] / ips['lascl-plc']
    aug_share = med['augment'][0] / med['lascl-plc'][0]
    verdict = lambda ok: 'PASS' if ok else 'MISS'
    print(f'\nlascl-plc / supervised images/s : {ratio:.3f} wall  target >= {TARGET_RATIO}  {verdict(ratio >= TARGET_RATIO)}'
          + (' (the target is the 2D step\'s; for the 3D step compare with the FLOP-expected ratio below)' if is_volume(cfg) else ''))
    if device.type == 'cpu':
        print(f'                    by CPU time : {ratio_cpu:.3f}       target >= {TARGET_RATIO}  {verdict(ratio_cpu >= TARGET_RATIO)}')
        busy = load[0] > os.cpu_count() or med['supervised'][0] > 1.3 * med['supervised'][1]
        if busy:
            print(f'  note: shared CPU (load {load[0]:.1f} on {os.cpu_count()} CPUs; wall/CPU time {med["supervised"][0] / med["supervised"][1]:.1f}x): '
                  f'the wall figures include waiting for a core; trust the CPU-time ratio')
    fr = flops['supervised'] / flops['lascl-plc']
    print(f'FLOPs per step (conv+matmul, fwd+bwd): lascl-plc {flops["lascl-plc"] / 1e9:.1f} G, supervised {flops["supervised"] / 1e9:.1f} G'
          f' -> FLOP-expected ratio {fr:.3f}; measured / expected = {ratio / fr:.2f} (1 = lascl-plc as efficient per FLOP)')
    print(f'loader / lascl-plc step images/s: {loader_x:.1f}x  target >= {TARGET_LOADER:g}x  {"PASS" if loader_x >= TARGET_LOADER else "MISS"}')
    print(f'augmentation share of the lascl-plc step: {100 * aug_share:.1f} %  ({1e3 * med["augment"][0]:.1f} ms of {1e3 * med["lascl-plc"][0]:.1f} ms)')
    if breakdown_2d:
        for k in ('lascl-plc-noaug', 'lascl-plc-noseg', 'supervised+aug'):
            extra = f'; FLOP-expected {flops["supervised"] / flops[k]:.3f}' if k in flops else ''
            print(f'  variant {k:<16s}: {ips[k]:7.0f} images/s, {ips[k] / ips["supervised"]:.3f}x plain supervised{extra}')
        breakdown(args, cfg, data, device)
    return 0


if __name__ == '__main__':
    sys.exit(main())
