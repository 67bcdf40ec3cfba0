// Fusion coverage of the loss catalog: the row-to-sample catalog losses (from logits) that compile to the fused
// row kernel, out of all of them (see fusion-coverage.mjs for the table and the reasons of the others). Rows:
// the count as the ms column (ratio = fused / all), and one row per loss that cannot fuse, with its reason.
import * as core from '@losskit/core';
import * as losses from '@losskit/losses';
import { fusionCoverage } from './fusion-coverage.mjs';

export default async function (h) {
  const r = fusionCoverage(losses, core);
  if (r.unexpected.length) throw new Error(`fusion coverage table out of date: ${r.unexpected.join('; ')}`);
  const suite = 'fusion coverage: row-to-sample catalog losses (count in the ms column)';
  h.row({ suite, case: 'catalog losses mapping a row of [B, C] logits to one value per sample', variant: 'all', ms: r.total });
  h.row({ suite, case: 'catalog losses mapping a row of [B, C] logits to one value per sample', variant: 'fused (compile(expr).fused)', ms: r.fused, baseline: 'all' });
  for (const row of r.rows.filter((x) => !x.fused)) h.row({ suite, case: `not fused: ${row.id}`, variant: 'reason', ms: 0, note: row.cannot });
}
