"""Benchmark: lascl.augment's batched kornia pipeline vs. an equivalent per-sample torchvision.transforms.v2 pipeline.

Prints slices/s (one slice -> two augmented views, with its mask) for
  * torchvision v2 per sample inside a DataLoader (`--workers` processes, 1 thread each), on CPU;
  * the kornia `ContrastiveAugment` on whole batches after a plain DataLoader (same workers), on CPU
    and on CUDA when available, end to end and augmentation alone;
and the share of a training step that augmentation costs: a timm resnet18 (in_chans=1) forward +
backward on both views of a batch, next to the augmentation of that batch.

Targets: on GPU >= 20x the CPU torchvision pipeline; on CPU augmentation <= 15 % of a training step.

    python nbs/benchmarks/bench_augment.py                # defaults: 128x128 slices, batch 64, 2 workers
    python nbs/benchmarks/bench_augment.py --quick        # smaller run
"""
from __future__ import annotations
import argparse, math, time
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import tv_tensors
from torchvision.transforms import v2
import timm
from lascl.augment import ContrastiveAugConfig, ContrastiveAugment


def synthetic_slices(n: int, size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    "n slices (n, 1, size, size) in [0, 1]: textured disc + bright round lesion; masks (n, 1, size, size) float {0, 1}."
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing='ij')
    c = (size - 1) / 2
    brain = (((yy - c) ** 2 + (xx - c) ** 2) < (0.42 * size) ** 2).float()
    tex = F.avg_pool2d(torch.rand(n, 1, size, size, generator=g), 5, 1, 2)
    ang, rad = 2 * math.pi * torch.rand(n, generator=g), 0.25 * size * torch.rand(n, generator=g)
    r = size * (0.05 + 0.06 * torch.rand(n, generator=g))
    ly, lx = c + rad * ang.sin(), c + rad * ang.cos()
    les = (((yy - ly.view(-1, 1, 1)) ** 2 + (xx - lx.view(-1, 1, 1)) ** 2) < r.view(-1, 1, 1) ** 2).float()[:, None] * brain
    return (brain * (0.45 + 0.3 * tex) + 0.35 * les).clamp(0, 1), les


class Slices(Dataset):
    "In-memory slices; `transform(image (1,H,W), mask (1,H,W))` per sample if given. Virtual length `length`."
    def __init__(self, images, masks, length: int, transform=None):
        self.images, self.masks, self.length, self.transform = images, masks, length, transform
    def __len__(self): return self.length
    def __getitem__(self, i):
        x, m = self.images[i % len(self.images)], self.masks[i % len(self.images)]
        return (x, m) if self.transform is None else self.transform(x, m)


class TorchvisionTwoViews:
    "Per-sample torchvision v2 twin of ContrastiveAugment's ops (crop not lesion-aware: torchvision has no such op)."
    def __init__(self, cfg: ContrastiveAugConfig, size: int):
        self.cfg = cfg
        self.geometry = v2.Compose([
            v2.RandomResizedCrop(size, scale=cfg.crop_scale, ratio=cfg.crop_ratio, antialias=False),
            v2.RandomApply([v2.RandomAffine(cfg.degrees, (cfg.translate, cfg.translate), cfg.scale)], p=cfg.p_affine),
            v2.RandomHorizontalFlip(cfg.p_hflip)])
        self.jitter = v2.RandomApply([v2.ColorJitter(brightness=cfg.brightness, contrast=cfg.contrast)], p=cfg.p_jitter)
        self.blur = v2.RandomApply([v2.GaussianBlur(cfg.blur_kernel, cfg.blur_sigma)], p=cfg.p_blur)

    def view(self, x: torch.Tensor, m: torch.Tensor):
        cfg = self.cfg
        lo, hi = x.min(), x.max()
        span = (hi - lo).clamp_min(1e-6)
        u, m = self.geometry(tv_tensors.Image((x - lo) / span), tv_tensors.Mask(m))
        u = u.as_subclass(torch.Tensor)
        if torch.rand(()) < cfg.p_gamma: u = v2.functional.adjust_gamma(u, float(torch.empty(()).uniform_(*cfg.gamma)))
        u = self.jitter(u)
        if torch.rand(()) < cfg.p_bias:
            coef = torch.randn(1, 1, cfg.bias_grid, cfg.bias_grid)
            coef = coef - coef.mean()
            u = u * torch.exp(cfg.bias_field * F.interpolate(coef, size=u.shape[-2:], mode='bicubic', align_corners=True)[0])
        u = self.blur(u)
        if torch.rand(()) < cfg.p_noise: u = u + float(torch.empty(()).uniform_(*cfg.noise_std)) * torch.randn_like(u)
        return u * span + lo, m.as_subclass(torch.Tensor)

    def __call__(self, x, m): return self.view(x, m), self.view(x, m)


def _sync(device: torch.device):
    if device.type == 'cuda': torch.cuda.synchronize(device)


def loader_rate(ds: Dataset, batch: int, workers: int, n_batches: int, aug=None, device=torch.device('cpu')) -> float:
    "Slices/s of iterating a DataLoader (the first batch, i.e. worker start-up, is not timed), optionally augmenting on `device`."
    dl = DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers, drop_last=True,
                    pin_memory=device.type == 'cuda')
    it = iter(dl)
    next(it)
    _sync(device); t0 = time.perf_counter()
    for _ in range(n_batches):
        b = next(it)
        if aug is not None:
            x, m = (t.to(device, non_blocking=True) for t in b)
            aug(x, m)
    _sync(device)
    return n_batches * batch / (time.perf_counter() - t0)


CPU_TIMES: dict[str, float] = {}

def timed(fn, device: torch.device, reps: int, warmup: int = 2, key: str | None = None) -> float:
    "Median wall seconds per call of `fn()`; the median process CPU seconds go to CPU_TIMES[key] (robust on a shared machine)."
    for _ in range(warmup): fn()
    ts, cs = [], []
    for _ in range(reps):
        _sync(device); t0, c0 = time.perf_counter(), time.process_time()
        fn(); _sync(device)
        ts.append(time.perf_counter() - t0); cs.append(time.process_time() - c0)
    if key: CPU_TIMES[key] = sorted(cs)[len(cs) // 2]
    return sorted(ts)[len(ts) // 2]


def train_step_time(batch: int, size: int, device: torch.device, reps: int) -> float:
    "Seconds of one resnet18 (timm, in_chans=1) forward + backward + SGD step on 2 * batch images (both views)."
    model = timm.create_model('resnet18', in_chans=1, num_classes=128).to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.rand(2 * batch, 1, size, size, device=device)
    y = torch.randint(0, 128, (2 * batch,), device=device)
    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return timed(step, device, reps, warmup=1, key=f'step_{device.type}')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--batches', type=int, default=10, help='batches timed per DataLoader run')
    ap.add_argument('--threads', type=int, default=1, help='torch threads of the main process')
    ap.add_argument('--step-reps', type=int, default=3)
    ap.add_argument('--quick', action='store_true', help='batch 32, 4 timed batches, 2 step reps')
    a = ap.parse_args()
    if a.quick: a.batch, a.batches, a.step_reps = 32, 4, 2
    torch.set_num_threads(a.threads)
    cfg = ContrastiveAugConfig()
    images, masks = synthetic_slices(512, a.size)
    n_total = (a.batches + 2) * a.batch
    print(f'slices {a.size}x{a.size}, batch {a.batch}, {a.workers} DataLoader workers, main process {a.threads} thread(s); '
          f'default ContrastiveAugConfig (crop scale {cfg.crop_scale}); rates in slices/s, each slice -> 2 views + masks')

    cpu = torch.device('cpu')
    res = {}
    res['tv_cpu'] = loader_rate(Slices(images, masks, n_total, TorchvisionTwoViews(cfg, a.size)), a.batch, a.workers, a.batches)
    print(f"torchvision v2 per sample in DataLoader (CPU):          {res['tv_cpu']:9.0f}")
    aug = ContrastiveAugment(ContrastiveAugConfig(seed=0))
    res['k_cpu_e2e'] = loader_rate(Slices(images, masks, n_total), a.batch, a.workers, a.batches, aug, cpu)
    print(f"kornia batched after DataLoader (CPU), end to end:     {res['k_cpu_e2e']:9.0f}")
    xb, mb = images[:a.batch], masks[:a.batch]
    t_aug_cpu = timed(lambda: aug(xb, mb), cpu, reps=5, key='aug_cpu')
    res['k_cpu'] = a.batch / t_aug_cpu
    print(f"kornia batched (CPU), augmentation alone:              {res['k_cpu']:9.0f}   ({1e3 * t_aug_cpu:.0f} ms/batch)")
    t_step_cpu = train_step_time(a.batch, a.size, cpu, a.step_reps)
    share_cpu = t_aug_cpu / (t_aug_cpu + t_step_cpu)
    print(f"resnet18 fwd+bwd step on 2x{a.batch} views (CPU):          {1e3 * t_step_cpu:9.0f} ms")
    print(f"CPU: augmentation share of a training step:            {100 * share_cpu:8.1f} %   (target <= 15 %) "
          f"{'OK' if share_cpu <= 0.15 else 'MISSED'}")
    c_aug, c_step = CPU_TIMES['aug_cpu'], CPU_TIMES['step_cpu']
    print(f"CPU: same share from process CPU time:                 {100 * c_aug / (c_aug + c_step):8.1f} %   "
          f"(aug {1e3 * c_aug:.0f} ms, step {1e3 * c_step:.0f} ms CPU time)")
    print(f"CPU: kornia end to end / torchvision:                  {res['k_cpu_e2e'] / res['tv_cpu']:8.2f} x")

    if torch.cuda.is_available():
        dev = torch.device('cuda')
        print(f'GPU: {torch.cuda.get_device_name(dev)}')
        res['k_gpu_e2e'] = loader_rate(Slices(images, masks, n_total), a.batch, a.workers, a.batches, aug, dev)
        xg, mg = xb.to(dev), mb.to(dev)
        t_aug_gpu = timed(lambda: aug(xg, mg), dev, reps=20, warmup=3)
        res['k_gpu'] = a.batch / t_aug_gpu
        t_step_gpu = train_step_time(a.batch, a.size, dev, max(5, a.step_reps))
        print(f"kornia batched after DataLoader (GPU), end to end:     {res['k_gpu_e2e']:9.0f}")
        print(f"kornia batched (GPU), augmentation alone:              {res['k_gpu']:9.0f}   ({1e3 * t_aug_gpu:.1f} ms/batch)")
        print(f"GPU augmentation alone / CPU torchvision:              {res['k_gpu'] / res['tv_cpu']:8.1f} x   (target >= 20 x) "
              f"{'OK' if res['k_gpu'] / res['tv_cpu'] >= 20 else 'MISSED'}")
        print(f"GPU end to end / CPU torchvision:                      {res['k_gpu_e2e'] / res['tv_cpu']:8.1f} x   (bounded by the loader)")
        print(f"resnet18 fwd+bwd step on 2x{a.batch} views (GPU):          {1e3 * t_step_gpu:9.1f} ms; augmentation share "
              f"{100 * t_aug_gpu / (t_aug_gpu + t_step_gpu):.1f} %")
        for bs in (4 * a.batch, 16 * a.batch):                        # per-call overhead amortises with the batch
            xs, ms = images[torch.arange(bs) % len(images)].to(dev), masks[torch.arange(bs) % len(images)].to(dev)
            t = timed(lambda: aug(xs, ms), dev, reps=10, warmup=2)
            print(f"kornia batched (GPU), augmentation alone, batch {bs:5d}: {bs / t:9.0f}   ({bs / t / res['tv_cpu']:.0f} x CPU torchvision)")
    else:
        print('GPU: not available, GPU figures skipped')


if __name__ == '__main__':
    main()
