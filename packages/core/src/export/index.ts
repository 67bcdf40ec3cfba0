/**
 * Export of loss expressions to Python: {@link toPyTorch} (values, per-sample values and gradients with
 * `torch` only) and {@link toNumPy} (values with `numpy` only), and the printer registry packages use
 * for their own ops ({@link registerExporter}).
 */
export { toPyTorch, type PyTorchExportOptions } from './pytorch.js';
export { toNumPy } from './numpy.js';
export type { ExportOptions } from './module.js';
export {
  registerExporter,
  exporterFor,
  exportableKinds,
  type ExportTarget,
  type ExportContext,
  type ExportNode,
  type OpExporter,
  type ContextOverrides,
} from './registry.js';
export { pythonForms } from './coreOps.js';
export { pyNum, pyStr } from './emit.js';
export { LOSSKIT_VERSION } from './version.js';
