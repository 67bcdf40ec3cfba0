"""Runs generated losskit modules on many cases in one process (the export tests' Python side).

Usage: /usr/bin/python3 runner.py cases.json results.json

cases.json: {"modules": {"<id>": "<path to .py>"}, "cases": [{"module": id, "target": "pytorch"|"numpy",
"dtype": "float64"|"float32", "y_true": ..., "labels": bool (y_true holds integer labels), "y_pred": ..., "sample_weight": ... (optional),
"inputs": {...} (optional), "per_sample": bool, "grad": bool, "parts": bool}]}
results.json: one object per case: {"value", "per_sample", "grad", "parts"} or {"error": {"type", "code", "message"}};
for NumPy, "grad" (when asked) is the fourth-order central difference of the float64 loss.
Non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity".
"""
import importlib.util
import json
import math
import sys
import warnings

import numpy as np
import torch

warnings.filterwarnings('ignore')
torch.set_num_threads(1)
DTYPES = {'float64': torch.float64, 'float32': torch.float32}
NP_DTYPES = {'float64': np.float64, 'float32': np.float32}


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def enc(x):
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    x = float(x)
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return x


def tolist(t):
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().numpy()
    return enc(np.asarray(t, dtype=np.float64).tolist())


def floats(x, dtype, target):
    if target == 'pytorch':
        return torch.tensor(x, dtype=DTYPES[dtype])
    return np.asarray(x, dtype=NP_DTYPES[dtype])


def labels_or_targets(y, labels, dtype, target):
    # Integer labels stay integers (as compile() reads them); dense targets take the prediction's dtype.
    if labels and all(float(v).is_integer() for v in np.asarray(y, dtype=np.float64).reshape(-1)):
        return torch.tensor(y, dtype=torch.int64) if target == 'pytorch' else np.asarray(y, dtype=np.int64)
    return floats(y, dtype, target)


def numeric_grad(f, x):
    # Fourth-order central differences in float64 (the float64 reference gradient of the NumPy module).
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        v = flat[i]
        h = 1e-4 * max(1.0, abs(v))
        vals = []
        for d in (-2 * h, -h, h, 2 * h):
            flat[i] = v + d
            vals.append(f(x))
        flat[i] = v
        gflat[i] = (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h)
    return g


def run(mod, case):
    target, dtype = case['target'], case['dtype']
    y_pred = floats(case['y_pred'], dtype, target)
    y_true = labels_or_targets(case['y_true'], case.get('labels', False), dtype, target)
    sw = case.get('sample_weight')
    sw = None if sw is None else floats(sw, dtype, target)
    inputs = {k: floats(v, dtype, target) for k, v in (case.get('inputs') or {}).items()}
    out = {}
    if target == 'pytorch':
        y_pred.requires_grad_(True)
        value = mod.loss(y_true, y_pred, sw, **inputs)
        out['value'] = tolist(value)
        if case.get('grad'):
            g = torch.autograd.grad(value.sum(), y_pred, allow_unused=True)[0] if value.requires_grad else None
            out['grad'] = tolist(torch.zeros_like(y_pred) if g is None else g)
        with torch.no_grad():
            if case.get('per_sample'):
                out['per_sample'] = tolist(mod.per_sample(y_true, y_pred, sw, **inputs))
            if case.get('parts'):
                out['parts'] = {k: tolist(v) for k, v in mod.parts(y_true, y_pred, sw, **inputs).items()}
        module = getattr(mod, case.get('class_name', 'LosskitLoss'))()
        via = module(y_true, y_pred, sw, **inputs)
        if not torch.equal(via.detach(), value.detach()) and not (torch.isnan(via).all() and torch.isnan(value).all()):
            out['module_mismatch'] = True
    else:
        out['value'] = tolist(mod.loss(y_true, y_pred, sw, **inputs))
        if case.get('grad'):
            out['grad'] = tolist(numeric_grad(lambda z: float(np.sum(mod.loss(y_true, z, sw, **inputs))), y_pred))
        if case.get('per_sample'):
            out['per_sample'] = tolist(mod.per_sample(y_true, y_pred, sw, **inputs))
        if case.get('parts'):
            out['parts'] = {k: enc(v) for k, v in mod.parts(y_true, y_pred, sw, **inputs).items()}
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    mods = {k: load(p, f'losskit_case_{i}') for i, (k, p) in enumerate(spec['modules'].items())}
    results = []
    for case in spec['cases']:
        try:
            results.append(run(mods[case['module']], case))
        except Exception as e:  # noqa: BLE001 - every failure is reported back to the test
            results.append({'error': {'type': type(e).__name__, 'code': getattr(e, 'code', None), 'message': str(e)}})
    json.dump(results, open(sys.argv[2], 'w'))


if __name__ == '__main__':
    main()
