#!/usr/bin/python3
"""Reference values and gradients of torch.nn.functional's losses, for `@losskit/losses/torch`'s tests.

Run with Debian's python3-torch (torch 1.13, CPU): `/usr/bin/python3 packages/losses/scripts/torch_fixtures.py`.
Writes `packages/losses/test/fixtures/torch.json`, which `test/torch.test.ts` reads (CI does not need torch).

Every floating input is drawn from a seeded generator and rounded to float32 (the values tfjs sees), then the loss
and its gradients are computed in float64 by torch itself. A case is
  { name, fn, args, options, value, grads: { "<arg index>": gradient of sum(output) }, transform? }
with `fn` the camelCase name of the drop-in, `args` its positional arguments and `options` its keyword options in
camelCase. `transform: "logSoftmax"` means the test applies log_softmax over the last axis to argument 0 before the
call (CTC gradients are compared with respect to the logits; see `ctcLoss`'s TSDoc). `distanceFunction` is named
("l1", "cosine") and mapped to a function by the test.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(18)


def f32(a):
    """float32-representable float64 values (what tfjs computes on)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def normal(*shape, scale=1.0):
    return f32(rng.normal(size=shape) * scale)


def uniform(*shape, lo=0.0, hi=1.0):
    return f32(rng.uniform(lo, hi, size=shape))


def labels(n_shape, classes):
    return rng.integers(0, classes, size=n_shape)


def tolist(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().numpy()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x


def finite_or_str(v):
    """JSON has no inf/nan: write them as strings the test turns back into numbers."""
    if isinstance(v, list):
        return [finite_or_str(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return "inf" if v > 0 else ("-inf" if v < 0 else "nan")
    return v


DISTANCES = {
    "l1": lambda x, y: (x - y).abs().sum(-1),
    "cosine": lambda x, y: 1 - F.cosine_similarity(x, y, dim=-1, eps=0.0),
}

cases = []


def case(name, fn, torch_fn, args, options=None, grad_args=(0,), transform=None, torch_kwargs=None, int_args=()):
    """Computes torch_fn(*args, **torch_kwargs) in float64 and the gradient of its sum w.r.t. `grad_args`."""
    options = options or {}
    torch_kwargs = torch_kwargs if torch_kwargs is not None else {}
    tensors = []
    for i, a in enumerate(args):
        if i in int_args:
            tensors.append(torch.tensor(np.asarray(a), dtype=torch.long))
        else:
            tensors.append(torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=i in grad_args))
    call_args = list(tensors)
    if transform == "logSoftmax":
        call_args[0] = F.log_softmax(tensors[0], dim=-1)
    out = torch_fn(*call_args, **torch_kwargs)
    grads = {}
    if grad_args and torch.isfinite(out).all():
        gs = torch.autograd.grad(out.sum(), [tensors[i] for i in grad_args])
        grads = {str(i): tolist(g) for i, g in zip(grad_args, gs)}
    entry = {
        "name": name,
        "fn": fn,
        "args": [tolist(a) if not isinstance(a, torch.Tensor) else tolist(a) for a in args],
        "options": options,
        "value": finite_or_str(tolist(out.detach()) if out.dim() > 0 else out.item()),
        "grads": grads,
    }
    if transform:
        entry["transform"] = transform
    cases.append(entry)


N, C = 4, 5

# ── cross_entropy ──────────────────────────────────────────────────────────────────────────────────────────
x = normal(N, C, scale=2)
y = labels((N,), C)
w = uniform(C, lo=0.2, hi=2)
y_ign = y.copy()
y_ign[1] = -100
for red in ["mean", "sum", "none"]:
    case(f"cross_entropy weight + ignore_index + label_smoothing 0.2, {red}", "crossEntropy", F.cross_entropy, [x, y_ign],
         {"weight": tolist(w), "labelSmoothing": 0.2, "reduction": red},
         torch_kwargs={"weight": torch.tensor(w), "label_smoothing": 0.2, "reduction": red}, int_args=(1,))
case("cross_entropy plain", "crossEntropy", F.cross_entropy, [x, y], int_args=(1,))
case("cross_entropy label_smoothing 1.0", "crossEntropy", F.cross_entropy, [x, y], {"labelSmoothing": 1.0}, torch_kwargs={"label_smoothing": 1.0}, int_args=(1,))
y_ign2 = y.copy()
y_ign2[0] = 2
case("cross_entropy ignore_index 2 (a real class) with weights", "crossEntropy", F.cross_entropy, [x, y_ign2], {"weight": tolist(w), "ignoreIndex": 2},
     torch_kwargs={"weight": torch.tensor(w), "ignore_index": 2}, int_args=(1,))
x4 = normal(2, C, 3, 2, scale=1.5)
y4 = labels((2, 3, 2), C)
y4[0, 1, 0] = -100
for red in ["mean", "none"]:
    case(f"cross_entropy [N, C, d1, d2] with weight, ignore_index and label_smoothing 0.1, {red}", "crossEntropy", F.cross_entropy, [x4, y4],
         {"weight": tolist(w), "labelSmoothing": 0.1, "reduction": red},
         torch_kwargs={"weight": torch.tensor(w), "label_smoothing": 0.1, "reduction": red}, int_args=(1,))
p = f32(torch.softmax(torch.tensor(normal(N, C)), -1).numpy())
case("cross_entropy probability targets with weight and label_smoothing 0.3", "crossEntropy", F.cross_entropy, [x, p],
     {"weight": tolist(w), "labelSmoothing": 0.3}, torch_kwargs={"weight": torch.tensor(w), "label_smoothing": 0.3})
case("cross_entropy unbatched [C] with a scalar target", "crossEntropy", F.cross_entropy, [normal(C), 3], {"reduction": "none"}, torch_kwargs={"reduction": "none"}, int_args=(1,))

# ── nll_loss ───────────────────────────────────────────────────────────────────────────────────────────────
lp = f32(F.log_softmax(torch.tensor(x), -1).numpy())
for red in ["mean", "sum", "none"]:
    case(f"nll_loss weight + ignore_index, {red}", "nllLoss", F.nll_loss, [lp, y_ign], {"weight": tolist(w), "reduction": red},
         torch_kwargs={"weight": torch.tensor(w), "reduction": red}, int_args=(1,))
lp4 = f32(F.log_softmax(torch.tensor(x4), 1).numpy())
case("nll_loss [N, C, d1, d2] with ignore_index", "nllLoss", F.nll_loss, [lp4, y4], int_args=(1,))

# ── binary cross-entropies ─────────────────────────────────────────────────────────────────────────────────
pb = uniform(N, C, lo=0.02, hi=0.98)
tb = uniform(N, C)
case("binary_cross_entropy soft targets with weight [C]", "binaryCrossEntropy", F.binary_cross_entropy, [pb, tb], {"weight": tolist(w)}, torch_kwargs={"weight": torch.tensor(w)})
case("binary_cross_entropy at probabilities 0 and 1 (log clamped at -100)", "binaryCrossEntropy", F.binary_cross_entropy, [[0.0, 1.0, 0.5, 1.0], [1.0, 0.0, 0.25, 1.0]], {"reduction": "none"},
     torch_kwargs={"reduction": "none"}, grad_args=())
zb = normal(N, C, scale=3)
yb = (uniform(N, C) > 0.5).astype(np.float64)
pw = uniform(C, lo=0.5, hi=4)
for red in ["mean", "none"]:
    case(f"binary_cross_entropy_with_logits pos_weight + weight, {red}", "binaryCrossEntropyWithLogits", F.binary_cross_entropy_with_logits, [zb, yb],
         {"posWeight": tolist(pw), "weight": tolist(w), "reduction": red}, torch_kwargs={"pos_weight": torch.tensor(pw), "weight": torch.tensor(w), "reduction": red})
case("binary_cross_entropy_with_logits logits ±30 soft targets", "binaryCrossEntropyWithLogits", F.binary_cross_entropy_with_logits, [normal(N, C, scale=30), tb])

# ── kl_div ─────────────────────────────────────────────────────────────────────────────────────────────────
tk = p.copy()
tk[0, 1] = 0.0
for red in ["mean", "batchmean", "sum", "none"]:
    case(f"kl_div reduction {red} (a zero target)", "klDiv", F.kl_div, [lp, tk], {"reduction": red}, torch_kwargs={"reduction": red})
case("kl_div log_target batchmean", "klDiv", F.kl_div, [lp, f32(np.log(p))], {"reduction": "batchmean", "logTarget": True}, torch_kwargs={"reduction": "batchmean", "log_target": True})

# ── regression ─────────────────────────────────────────────────────────────────────────────────────────────
xr = normal(N, C, scale=2)
yr = normal(N, C, scale=2)
case("mse_loss", "mseLoss", F.mse_loss, [xr, yr], grad_args=(0, 1))
case("mse_loss sum", "mseLoss", F.mse_loss, [xr, yr], {"reduction": "sum"}, torch_kwargs={"reduction": "sum"})
case("l1_loss", "l1Loss", F.l1_loss, [xr, yr], grad_args=(0, 1))
case("smooth_l1_loss beta 0.5", "smoothL1Loss", F.smooth_l1_loss, [xr, yr], {"beta": 0.5}, torch_kwargs={"beta": 0.5})
case("smooth_l1_loss beta 0 (L1)", "smoothL1Loss", F.smooth_l1_loss, [xr, yr], {"beta": 0.0, "reduction": "none"}, torch_kwargs={"beta": 0.0, "reduction": "none"})
case("huber_loss delta 0.7", "huberLoss", F.huber_loss, [xr, yr], {"delta": 0.7}, torch_kwargs={"delta": 0.7})
counts = rng.integers(0, 6, size=(N, C)).astype(np.float64)
case("poisson_nll_loss log_input", "poissonNllLoss", F.poisson_nll_loss, [normal(N, C), counts])
case("poisson_nll_loss log_input=False eps 1e-3", "poissonNllLoss", F.poisson_nll_loss, [uniform(N, C, lo=0.1, hi=4), counts], {"logInput": False, "eps": 1e-3},
     torch_kwargs={"log_input": False, "eps": 1e-3})
case("poisson_nll_loss full (Stirling where y > 1)", "poissonNllLoss", F.poisson_nll_loss, [normal(N, C), counts], {"full": True, "reduction": "none"},
     torch_kwargs={"full": True, "reduction": "none"})
var = uniform(N, C, lo=0.05, hi=2)
var[0, 0] = 1e-8  # below eps: clamped in value, not in gradient
case("gaussian_nll_loss heteroscedastic, full", "gaussianNllLoss", F.gaussian_nll_loss, [xr, yr, var], {"full": True}, grad_args=(0, 2), torch_kwargs={"full": True})
case("gaussian_nll_loss var one dimension short (unsqueezed)", "gaussianNllLoss", F.gaussian_nll_loss, [xr, yr, uniform(N, lo=0.1, hi=2)], {"reduction": "none"},
     grad_args=(0, 2), torch_kwargs={"reduction": "none"})
case("gaussian_nll_loss var [N, 1], eps 0.5", "gaussianNllLoss", F.gaussian_nll_loss, [xr, yr, uniform(N, 1, lo=0.1, hi=2)], {"eps": 0.5}, grad_args=(0, 2), torch_kwargs={"eps": 0.5})

# ── margins and embeddings ─────────────────────────────────────────────────────────────────────────────────
pm = np.where(uniform(N, C) > 0.5, 1.0, -1.0)
case("margin_ranking_loss margin 0.3", "marginRankingLoss", F.margin_ranking_loss, [xr, yr, pm], {"margin": 0.3}, grad_args=(0, 1), torch_kwargs={"margin": 0.3})
case("hinge_embedding_loss margin 1.5", "hingeEmbeddingLoss", F.hinge_embedding_loss, [uniform(N, C, hi=3), pm], {"margin": 1.5}, torch_kwargs={"margin": 1.5})
case("soft_margin_loss", "softMarginLoss", F.soft_margin_loss, [xr, pm])
case("multi_margin_loss p 1", "multiMarginLoss", F.multi_margin_loss, [x, y], int_args=(1,))
case("multi_margin_loss p 2, margin 0.7, weight", "multiMarginLoss", F.multi_margin_loss, [x, y], {"p": 2, "margin": 0.7, "weight": tolist(w), "reduction": "none"},
     torch_kwargs={"p": 2, "margin": 0.7, "weight": torch.tensor(w), "reduction": "none"}, int_args=(1,))
mt = np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, -1], [0, 1, 2, 3, 4], [-1, 2, 2, 2, 2]])
case("multilabel_margin_loss (-1 ends the list, a repeated index counts twice, all classes targets)", "multilabelMarginLoss", F.multilabel_margin_loss, [x, mt], {"reduction": "none"},
     torch_kwargs={"reduction": "none"}, int_args=(1,))
case("multilabel_soft_margin_loss weight", "multilabelSoftMarginLoss", F.multilabel_soft_margin_loss, [zb, yb], {"weight": tolist(w)}, torch_kwargs={"weight": torch.tensor(w)})
D = 6
e1, e2, e3 = normal(N, D), normal(N, D), normal(N, D)
ct = np.array([1.0, -1.0, -1.0, 1.0])
case("cosine_embedding_loss margin -0.2", "cosineEmbeddingLoss", F.cosine_embedding_loss, [e1, e2, ct], {"margin": -0.2}, grad_args=(0, 1), torch_kwargs={"margin": -0.2})
case("cosine_embedding_loss unbatched none", "cosineEmbeddingLoss", F.cosine_embedding_loss, [e1[0], e2[0], -1.0], {"reduction": "none"}, grad_args=(0, 1), torch_kwargs={"reduction": "none"})
case("triplet_margin_loss default", "tripletMarginLoss", F.triplet_margin_loss, [e1, e2, e3], grad_args=(0, 1, 2))
case("triplet_margin_loss p 1, margin 2, swap", "tripletMarginLoss", F.triplet_margin_loss, [e1, e2, e3], {"p": 1, "margin": 2.0, "swap": True, "reduction": "none"},
     grad_args=(0, 1, 2), torch_kwargs={"p": 1, "margin": 2.0, "swap": True, "reduction": "none"})
case("triplet_margin_loss p 3, eps 0.1", "tripletMarginLoss", F.triplet_margin_loss, [e1, e2, e3], {"p": 3, "eps": 0.1, "margin": 1.5}, grad_args=(0, 1, 2),
     torch_kwargs={"p": 3, "eps": 0.1, "margin": 1.5})
case("triplet_margin_with_distance_loss default distance", "tripletMarginWithDistanceLoss", F.triplet_margin_with_distance_loss, [e1, e2, e3], grad_args=(0, 1, 2))
for dname in ["l1", "cosine"]:
    case(f"triplet_margin_with_distance_loss {dname} distance, swap, margin 0.5", "tripletMarginWithDistanceLoss", F.triplet_margin_with_distance_loss, [e1, e2, e3],
         {"distanceFunction": dname, "swap": True, "margin": 0.5}, grad_args=(0, 1, 2),
         torch_kwargs={"distance_function": DISTANCES[dname], "swap": True, "margin": 0.5})

# ── ctc_loss (time-major) ──────────────────────────────────────────────────────────────────────────────────
T, B, K = 12, 3, 6
logits = normal(T, B, K, scale=1.5)
tgt = np.array([[1, 2, 2, 3, 0], [4, 4, 4, 0, 0], [5, 1, 2, 5, 1]])
tl = [4, 3, 5]
il = [12, 9, 10]
for red in ["mean", "sum", "none"]:
    case(f"ctc_loss padded targets, {red}", "ctcLoss", F.ctc_loss, [logits, tgt, il, tl], {"reduction": red}, transform="logSoftmax",
         torch_kwargs={"reduction": red}, int_args=(1, 2, 3))
flat = np.array([1, 2, 2, 3, 4, 4, 4, 5, 1, 2, 5, 1])
case("ctc_loss concatenated 1-D targets, blank 0", "ctcLoss", F.ctc_loss, [logits, flat, il, tl], {"reduction": "none"}, transform="logSoftmax",
     torch_kwargs={"reduction": "none"}, int_args=(1, 2, 3))
tgt_b = np.array([[0, 1, 1, 3, 2], [4, 4, 4, 2, 2], [0, 2, 3, 1, 0]])
case("ctc_loss blank 5 (last class)", "ctcLoss", F.ctc_loss, [logits, tgt_b, il, tl], {"blank": 5, "reduction": "none"}, transform="logSoftmax",
     torch_kwargs={"blank": 5, "reduction": "none"}, int_args=(1, 2, 3))
# Sequence 1 has three repeated labels (4, 4, 4): they need 5 frames, so 4 frames make the alignment impossible.
case("ctc_loss impossible alignment, zero_infinity", "ctcLoss", F.ctc_loss, [logits, tgt, [12, 4, 10], tl], {"zeroInfinity": True, "reduction": "none"}, transform="logSoftmax",
     torch_kwargs={"zero_infinity": True, "reduction": "none"}, int_args=(1, 2, 3))
case("ctc_loss impossible alignment without zero_infinity: +inf", "ctcLoss", F.ctc_loss, [logits, tgt, [12, 4, 10], tl], {"reduction": "none"}, transform="logSoftmax",
     torch_kwargs={"reduction": "none"}, int_args=(1, 2, 3), grad_args=())
case("ctc_loss unbatched [T, C]", "ctcLoss", F.ctc_loss, [logits[:, 0, :], tgt[0][:tl[0]], il[0], tl[0]], {}, transform="logSoftmax", int_args=(1, 2, 3))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "torch.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as fh:
    json.dump({"torch": torch.__version__, "script": "packages/losses/scripts/torch_fixtures.py", "cases": cases}, fh, indent=None, separators=(",", ":"))
    fh.write("\n")
print(f"wrote {len(cases)} cases to {os.path.relpath(out)}")
