"""PyTorch DistributedDataParallel (gloo backend) on the work of minidl_mpi_bench: one training step
of the global batch split between PROCESSES processes of THREADS threads each.

Usage: python3 bench/torch_ddp_peer.py PROCESSES THREADS [cnn|resnet20] [REPS]
Needs PyTorch with torch.distributed (Debian: apt-get install python3-torch). Prints one JSON line
with the same keys as minidl_mpi_bench (allreduce time is not separable in DDP, which overlaps it
with backward: reported as null).

Reference CNN: global batch 64 of 32x32x3 (channels_last), Conv2d(3->32,3,pad 1)+ReLU, MaxPool 2,
Conv2d(32->64,3,pad 1)+ReLU, MaxPool 2, Flatten, Linear(4096->128)+ReLU, Linear(128->10); Adam 1e-3.
ResNet-20 (He et al. 2016, section 4.2): global batch 128, SGD lr 0.1 momentum 0.9; 16/32/64
filters, 3 basic blocks per stage, 1x1 conv + BN projections where the shape changes. Its
BatchNorm keeps each process's own statistics: PyTorch 1.13's SyncBatchNorm refuses CPU modules
("SyncBatchNorm layers only work with GPU modules"); compare with minidl_mpi_bench --local-bn.
"""
import json, os, statistics, sys, time
import torch, torch.distributed as dist, torch.multiprocessing as mp
import torch.nn as nn, torch.nn.functional as F


def reference_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(h + (x if self.proj is None else self.proj(x)))


def resnet20():
    layers, cin = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()], 16
    for stage, cout in enumerate((16, 32, 64)):
        for b in range(3):
            layers.append(Block(cin, cout, 2 if stage > 0 and b == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


def worker(rank, processes, threads, name, reps, results):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29517")
    dist.init_process_group("gloo", rank=rank, world_size=processes)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    resnet = name == "resnet20"
    batch = 128 if resnet else 64
    model = (resnet20() if resnet else reference_cnn()).to(memory_format=torch.channels_last)
    ddp = nn.parallel.DistributedDataParallel(model) if processes > 1 else model
    optimizer = (torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9) if resnet
                 else torch.optim.Adam(ddp.parameters(), lr=1e-3))
    lo, hi = batch * rank // processes, batch * (rank + 1) // processes
    x = torch.rand(batch, 3, 32, 32)[lo:hi].contiguous(memory_format=torch.channels_last)
    y = (torch.arange(batch) % 10)[lo:hi]

    def step():
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(ddp(x), y).backward()
        optimizer.step()

    for _ in range(3):
        step()
    start = time.perf_counter()
    step()
    steps = torch.tensor([max(1, int(1.0 / (time.perf_counter() - start)))])
    dist.broadcast(steps, 0)  # every rank runs rank 0's block length
    rates = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(int(steps)):
            step()
        rates.append(int(steps) * batch / (time.perf_counter() - start))
    if rank == 0:
        rate = statistics.median(rates)
        results.put({"peer": "pytorch-ddp-gloo", "torch": torch.__version__, "model": name,
                     "processes": processes, "threads_per_process": threads, "global_batch": batch,
                     "images_per_s": round(rate, 1), "step_ms": round(1000 * batch / rate, 2),
                     "allreduce_ms_per_step": None, "reps": reps})
    dist.destroy_process_group()


if __name__ == "__main__":
    processes, threads = int(sys.argv[1]), int(sys.argv[2])
    name = sys.argv[3] if len(sys.argv) > 3 else "cnn"
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 7
    context = mp.get_context("spawn")
    results = context.Queue()
    mp.spawn(worker, args=(processes, threads, name, reps, results), nprocs=processes, join=True)
    print(json.dumps(results.get()))
