/**
 * @losskit/losses: the loss catalog. Every export is a builder returning a DSL expression, so any loss
 * composes with any other (`focal({ gamma: 2 }).plus(logZSquared())`) and compiles with `compile()`.
 * Keras 3 and tf.losses drop-ins live in the `@losskit/losses/keras` and `@losskit/losses/tfjs` subpaths, optax's
 * losses with optax's signatures in `@losskit/losses/optax`.
 * @packageDocumentation
 */
export * from './standard/index.js';
export * from './papers/index.js';
export { catalog } from './catalog.js';
// Registers the PyTorch / NumPy printers of this package's ops with @losskit/core's exporter.
export { lossesExporters, fGanPythonForms } from './export.js';
export * from './standard/optaxLosses.js';
import './fusedForms.js';
