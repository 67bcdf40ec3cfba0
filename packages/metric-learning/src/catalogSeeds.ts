// Catalog entries of the seed-paper components added for issue #26 (appended to `catalog`).
import { type CatalogEntry, defineEntry } from '@losskit/core';

const PKG = '@losskit/metric-learning';

export const teenEntry = defineEntry({
  id: 'teen',
  name: 'TEEN prototype calibration',
  package: PKG,
  export: 'teenCalibrate',
  category: 'few-shot',
  summary: 'Training-free shift of few-shot new-class prototypes towards a similarity-weighted mix of base-class prototypes.',
  formula: '\\hat p_c = (1 - \\alpha)\\bar p_c + \\alpha\\frac{\\Delta_c}{\\|\\Delta_c\\|},\\ \\Delta_c = \\sum_b \\operatorname{softmax}_b\\left(\\tau\\cos(p_c, q_b)\\right)\\bar q_b',
  inputs: 'novel-class prototypes [N, D], base-class prototypes [C_b, D] → calibrated prototypes [N, D]',
  params: [
    { name: 'shiftWeight', default: 0.1, description: 'α, weight of the base-class shift', range: { min: 0, max: 1 } },
    { name: 'temperature', default: 16, description: 'τ, multiplies the cosines before the softmax over base classes', range: { min: 0, minExclusive: true } },
  ],
  paper: { title: 'Few-Shot Class-Incremental Learning via Training-Free Prototype Calibration', authors: 'Wang, Zhou, Zhang, Zhan, Ye', year: 2023, url: 'arXiv:2312.05229' },
  example: "import { teenCalibrate } from '@losskit/metric-learning';\nconst calibrated = teenCalibrate(novelPrototypes, basePrototypes, { shiftWeight: 0.1, temperature: 16 });",
  tryIt: { code: "const base = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];\nconst novel = [[0.9, 0.4, 0], [0, 0.2, 1]];\nconst calibrated = teenCalibrate(novel, base, { shiftWeight: 0.1, temperature: 16 });\nconst rows = calibrated.arraySync();\ncalibrated.dispose();\nrows;" },
});

/** The entries of this file, in catalog order. */
export const seedEntries: readonly CatalogEntry[] = [teenEntry];
