"""Forward+backward time and peak memory of lascl's SupConLoss / NTXentLoss vs pytorch-metric-learning.

    python nbs/benchmarks/bench_losses.py                 # N=4096, D=128, CPU (+ CUDA when available)
    python nbs/benchmarks/bench_losses.py --n 4096 16384 --device cuda

Every (loss, N, device) measurement runs in a fresh subprocess, one after the other in this run,
so that no allocator cache or memory high-water mark carries over from one loss to the next.

How memory is measured (and why this is honest):
- CUDA: `torch.cuda.max_memory_allocated()` over one forward+backward, minus what was allocated
  before it (inputs, labels). This counts every tensor the loss creates, autograd buffers included.
- CPU: torch has no CPU allocation counter and `tracemalloc` does not see torch's allocator, so we
  use the process's resident-set high-water mark: the worker resets it (`echo 5 >
  /proc/self/clear_refs`, Linux >= 4.0), reads `VmRSS` before the call and `VmHWM` after, and
  reports the difference. That is the extra physical memory the process really touched at its peak,
  for anything (torch tensors, index tensors, temporaries). Where `clear_refs` is unavailable it
  falls back to the `ru_maxrss` delta and says so.
Both exclude one-time costs: a warm-up call on a 64-sample batch runs first.
Time: median over `--reps` forward+backward calls after the measured call (CUDA synchronised).

Losses compared (same inputs, same values up to float rounding; the script checks the values agree):
- SupCon: lascl `SupConLoss(0.1)` vs `pml.SupConLoss(0.1)` on (N, D) embeddings with 4 random classes.
- NT-Xent at N: lascl `NTXentLoss(0.1)` on N/2 pairs vs `pml.SupConLoss(0.1)` with pair labels
  (identical maths, one positive per anchor). pml's own `NTXentLoss` builds a
  (positive pairs x negative pairs) matrix -- N x N^2 elements, ~275 GB at N=4096 -- so it is
  compared directly only at a small N (`--n-ntxent`, default 512).
"""
from __future__ import annotations
import argparse, json, os, resource, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def _status_kb(key: str) -> int:
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith(key + ':'): return int(line.split()[1])
    raise KeyError(key)


def _make_case(case: str, n: int, d: int, device: str):
    "Returns (loss_fn taking x (n, d) with grad -> scalar, x)."
    import torch
    from lascl.losses import SupConLoss, NTXentLoss
    from pytorch_metric_learning import losses as pml
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, d, generator=g).to(device)
    labels = torch.randint(0, 4, (n,), generator=g).to(device)
    pairs = torch.arange(n // 2, device=device).repeat(2)
    fns = {
        'lascl.SupConLoss': lambda z: SupConLoss(0.1)(z, labels),
        'pml.SupConLoss': lambda z: pml.SupConLoss(0.1)(z, labels),
        'lascl.NTXentLoss': lambda z: NTXentLoss(0.1)(z[:n // 2], z[n // 2:]),
        'pml.SupConLoss(pairs)': lambda z: pml.SupConLoss(0.1)(z, pairs),
        'pml.NTXentLoss': lambda z: pml.NTXentLoss(0.1)(z, pairs),
    }
    return fns[case], x


def worker(case: str, n: int, d: int, device: str, reps: int, threads: int) -> dict:
    "One measurement in this (fresh) process; prints a JSON line."
    import torch
    torch.set_num_threads(threads)
    fn, x = _make_case(case, n, d, device)
    cuda = device.startswith('cuda')
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    def step():
        z = x.detach().clone().requires_grad_(True)
        loss = fn(z)
        loss.backward()
        return loss.detach()

    # warm-up on a tiny batch first, so that loading kernels and library pages is not counted
    small_fn, small_x = _make_case(case, 64, d, device)
    z = small_x.detach().clone().requires_grad_(True); small_fn(z).backward()
    # memory: the first full-size call, on a clean high-water mark
    if cuda:
        sync(); torch.cuda.reset_peak_memory_stats(); base = torch.cuda.memory_allocated()
        value = step(); sync()
        peak_mb, how = (torch.cuda.max_memory_allocated() - base) / 2**20, 'cuda.max_memory_allocated'
    else:
        try:
            with open('/proc/self/clear_refs', 'w') as fh: fh.write('5')
            base = _status_kb('VmRSS'); value = step()
            peak_mb, how = (_status_kb('VmHWM') - base) / 1024, 'VmHWM-VmRSS'
        except OSError:
            base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; value = step()
            peak_mb, how = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024, 'ru_maxrss delta'
    times = []
    for _ in range(reps):
        sync(); t0 = time.perf_counter(); step(); sync()
        times.append(time.perf_counter() - t0)
    return dict(case=case, n=n, d=d, device=device, value=float(value), time_ms=1000 * statistics.median(times),
                time_min_ms=1000 * min(times), peak_mb=peak_mb, mem_method=how)


def measure(case, n, d, device, reps, threads) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), '--worker', case, '--n', str(n), '--d', str(d),
           '--device', device, '--reps', str(reps), '--threads', str(threads)]
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        return dict(case=case, n=n, d=d, device=device, error=(r.stderr.strip().splitlines() or ['?'])[-1][:120])
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n', type=int, nargs='+', default=[4096])
    ap.add_argument('--n-ntxent', type=int, default=512, help='N for the direct comparison with pml.NTXentLoss')
    ap.add_argument('--d', type=int, default=128)
    ap.add_argument('--device', choices=['cpu', 'cuda', 'all'], default='all')
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=1, help='torch CPU threads in each worker')
    ap.add_argument('--worker', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker, a.n[0], a.d, a.device, a.reps, a.threads)))
        return

    import torch
    devices = ['cpu', 'cuda'] if a.device == 'all' else [a.device]
    if 'cuda' in devices and not torch.cuda.is_available():
        print('CUDA not available: CPU only.')
        devices.remove('cuda')
    pairs = [('lascl.SupConLoss', 'pml.SupConLoss'), ('lascl.NTXentLoss', 'pml.SupConLoss(pairs)')]
    plan = [(dev, n, ours, ref) for dev in devices for n in a.n for ours, ref in pairs]
    plan += [(dev, a.n_ntxent, 'lascl.NTXentLoss', 'pml.NTXentLoss') for dev in devices]
    print(f"torch {torch.__version__}, D={a.d}, {a.reps} reps, {a.threads} CPU thread(s); "
          f"{torch.cuda.get_device_name() if 'cuda' in devices else 'no GPU'}")
    head = f"{'device':6} {'N':>6}  {'ours':18} {'reference':22} {'ours ms':>9} {'ref ms':>9} {'time x':>7}  {'ours MB':>9} {'ref MB':>9} {'mem x':>6}  {'rel diff':>8}"
    print(head); print('-' * len(head))
    rows = []
    for dev, n, ours, ref in plan:
        mo, mr = measure(ours, n, a.d, dev, a.reps, a.threads), measure(ref, n, a.d, dev, a.reps, a.threads)
        if 'error' in mo or 'error' in mr:
            print(f"{dev:6} {n:>6}  {ours:18} {ref:22} failed: {mo.get('error') or mr.get('error')}")
            continue
        tr, mrat = mo['time_ms'] / mr['time_ms'], mo['peak_mb'] / max(mr['peak_mb'], 1e-9)
        print(f"{dev:6} {n:>6}  {ours:18} {ref:22} {mo['time_ms']:9.1f} {mr['time_ms']:9.1f} {tr:7.2f}  "
              f"{mo['peak_mb']:9.1f} {mr['peak_mb']:9.1f} {mrat:6.2f}  {abs(mo['value'] - mr['value']) / abs(mr['value']):8.1e}")
        rows.append((mo, mr))
    methods = sorted({m['mem_method'] for r in rows for m in r})
    print(f"\ntime x = ours/reference median time (target <= 0.7); mem x = ours/reference peak (target <= 0.5); "
          f"memory measured as {', '.join(methods)}.")


if __name__ == '__main__':
    main()
