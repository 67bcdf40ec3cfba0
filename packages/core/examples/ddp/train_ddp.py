"""Train a small classifier with a losskit loss exported to PyTorch, on torch.distributed (DDP).

The loss module is the output of `losskit export` (or `toPyTorch(expr)` in Node): a plain Python file with
`loss(y_true, y_pred, sample_weight=None)` and an `nn.Module` (`LosskitLoss`). Nothing else from losskit
is needed at training time.

Run on one machine with 2 processes over gloo (CPU), the configuration tested in losskit's suite:

    losskit export 'ce({ labelSmoothing: 0.1 }).plus(square().incorrect().scale(0.5))' > losskit_loss.py
    python3 train_ddp.py --loss losskit_loss.py --world-size 2 --steps 30

or under torchrun (one process per GPU/CPU slot, any number of nodes; the script reads RANK, WORLD_SIZE,
LOCAL_RANK, MASTER_ADDR and MASTER_PORT from the environment torchrun sets):

    torchrun --nproc_per_node=2 train_ddp.py --loss losskit_loss.py --steps 30

Every rank trains on its own contiguous shard of the same global batch. DDP averages gradients over ranks,
and the exported loss uses reduction='mean' over the rank's shard, so with equal shards the averaged
gradient is exactly the gradient of the mean over the global batch: the parameters after training equal a
one-process run on the whole batch (up to float rounding). Reductions that normalise by a data-dependent
count ('weightedMean', 'sumByNonzeroWeights') are not linear across shards and do not have this property.
"""
import argparse
import importlib.util
import json
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP


def load_loss(path):
    spec = importlib.util.spec_from_file_location('losskit_loss', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def global_batch(n, features, classes, seed):
    """A fixed synthetic classification batch: the same on every rank."""
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(classes, features, generator=g) * 2.0
    labels = torch.randint(0, classes, (n,), generator=g)
    x = centers[labels] + torch.randn(n, features, generator=g)
    return x, labels


def model_for(features, classes, seed, dtype):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(features, 16), nn.Tanh(), nn.Linear(16, classes)).to(dtype)


def train(rank, world_size, args):
    dtype = getattr(torch, args.dtype)
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    try:
        losskit = load_loss(args.loss)
        criterion = losskit.LosskitLoss(reduction='mean')
        model = DDP(model_for(args.features, args.classes, args.seed, dtype))
        opt = torch.optim.SGD(model.parameters(), lr=args.lr)
        x, y = global_batch(args.batch, args.features, args.classes, args.seed + 1)
        x = x.to(dtype)
        shard = args.batch // world_size
        xs, ys = x[rank * shard:(rank + 1) * shard], y[rank * shard:(rank + 1) * shard]
        history = []
        for _ in range(args.steps):
            opt.zero_grad()
            value = criterion(ys, model(xs))  # losskit's (y_true, y_pred) order
            value.backward()  # DDP all-reduces (averages) the gradients here
            opt.step()
            logged = value.detach().clone()
            dist.all_reduce(logged)  # mean of the shard means = the global mean loss
            history.append(float(logged) / world_size)
        if rank == 0:
            params = torch.cat([p.detach().reshape(-1) for p in model.module.parameters()])
            result = {'world_size': world_size, 'backend': dist.get_backend(), 'losses': history, 'params': params.double().tolist()}
            with open(args.out, 'w') as f:
                json.dump(result, f)
            print(f'world_size={world_size} backend={result["backend"]} dtype={args.dtype} steps={args.steps} '
                  f'loss {history[0]:.6f} -> {history[-1]:.6f}', flush=True)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--loss', required=True, help='path of the exported losskit module (losskit export ... > file.py)')
    p.add_argument('--world-size', type=int, default=2, help='processes to spawn on this machine (ignored under torchrun)')
    p.add_argument('--steps', type=int, default=30)
    p.add_argument('--batch', type=int, default=64, help='global batch size (split evenly across ranks)')
    p.add_argument('--features', type=int, default=8)
    p.add_argument('--classes', type=int, default=4)
    p.add_argument('--lr', type=float, default=0.1)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
    p.add_argument('--out', default='ddp_result.json', help='where rank 0 writes the loss history and final parameters')
    args = p.parse_args(argv)
    args.loss = os.path.abspath(args.loss)
    if 'RANK' in os.environ and 'WORLD_SIZE' in os.environ:  # launched by torchrun
        world_size = int(os.environ['WORLD_SIZE'])
        if args.batch % world_size:
            sys.exit(f'--batch {args.batch} must be divisible by the world size {world_size}')
        train(int(os.environ['RANK']), world_size, args)
        return
    if args.batch % args.world_size:
        sys.exit(f'--batch {args.batch} must be divisible by --world-size {args.world_size}')
    os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    os.environ.setdefault('MASTER_PORT', str(free_port()))
    mp.spawn(train, args=(args.world_size, args), nprocs=args.world_size, join=True)


if __name__ == '__main__':
    main()
