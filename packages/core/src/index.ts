/**
 * @losskit/core: the typed loss-expression DSL, `compile()` to tfjs with gradients, backends and errors.
 *
 * @example
 * import { ready, compile, ce, square } from '@losskit/core';
 * await ready();                                     // WASM (SIMD) backend, gradients registered
 * const squentropy = compile(ce().plus(square().incorrect()));
 * const { value, grad } = squentropy.valueAndGrad([0, 2], [[2, 1, 0], [0, 1, 3]]);
 * @packageDocumentation
 */
// Types of tfjs's chained ops (`t.argMax()`, `t.reshape()`, ...), which ready() registers at run time:
// a type-only re-export of an export-less module, so a consumer's type checker loads tfjs-core's module
// augmentations with @losskit/core (no JavaScript is emitted for it).
export type * from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
export { ready, setBackend, activeBackend, wasmSimd, type BackendName, type ReadyOptions } from './backend.js';
export { LosskitError, isLosskitError, params, checkParam, formatShape, type LosskitErrorCode, type LosskitErrorDetails } from './errors.js';
export {
  Expr,
  node,
  defineOp,
  constant,
  paren,
  printExpr,
  PREC,
  type Level,
  type Needs,
  type Reduced,
  type SameLevel,
  type JoinNeeds,
  type OpSpec,
  type Printed,
} from './expr.js';
import './ops.js';
export { stopGradient, logSumExpParts, oneHotRows, gatherRows, signOf, type LogSumExpParts } from './ops.js';
export { PROB_SUM_TOLERANCE, type EvalContext, type PredictionKind } from './context.js';
export {
  compile,
  evaluate,
  type CompiledLoss,
  type KernelEngine,
  type CompileOptions,
  type CallOptions,
  type Compilable,
  type Reduction,
  type ValueAndGrad,
} from './compile.js';
export { toTensor, isTensor, assertFinite, formatIndex, type TensorLike } from './tensors.js';
export { describeValue, nestedShape, readOptions, readHostMatrix, readHostVector, readHostLabels, type HostMatrix2D, type HostMatrixNames, type HostVectorOptions, type HostLabelsOptions } from './host.js';
export { cleanTapeOnError, valueAndGradOf } from './tape.js';
export { plus, minus, times, div, pipe } from './combinators.js';
export { yPred, yTrue, logit, prob, logProb, input } from './terms/inputs.js';
export { ce, crossEntropy, smoothTargets, type CeOptions } from './terms/ce.js';
export { bce, binaryCrossEntropy, complementFloor, type BceOptions } from './terms/bce.js';
export { square, abs } from './terms/regression.js';
export { entropy, kl, xlogx } from './terms/information.js';
export { defineEntry, type CatalogEntry, type ParamSpec, type PaperRef, type TryIt } from './catalog.js';
export { embeddings, positiveMask, negativeMask, sameLabelMask, identityMask, overRow, positives, negatives, hardest, alongRows, alongCols, transpose, maskedRowReduce, type RowReduce } from './pair.js';
export { classConstant } from './primitives/classConstant.js';
export { sparsemax, sparsemaxTensor } from './primitives/sparsemax.js';
export { log1mexp, log1mexpTensor, log1pAccurate } from './primitives/log1mexp.js';
export { neuralSortTensor, sinkhornTensor, softSort } from './primitives/neuralSort.js';
export { sparsemaxThreshold } from './primitives/sparsemax.js';
export {
  toPyTorch,
  toNumPy,
  registerExporter,
  exporterFor,
  exportableKinds,
  pythonForms,
  pyNum,
  pyStr,
  LOSSKIT_VERSION,
  type PyTorchExportOptions,
  type ExportOptions,
  type ExportTarget,
  type ExportContext,
  type ExportNode,
  type OpExporter,
  type ContextOverrides,
} from './export/index.js';
export { parseExpression, parseWithTree, parseTree, expressionBuilders, exprMethods, reduceHint, DslError, type Builder, type ParseOptions, type DslFix, type Node as ExpressionNode, type Parsed } from './parse.js';
export { catalog } from './dsl-catalog.js';
export { sigmaReparam, sigmaReparamState, attentionEntropy, type SigmaReparamState, type SigmaReparamOptions } from './sigmaReparam.js';
export { probConservUpdate, type ProbConservConstraint, type ProbConservResult } from './probConserv.js';
export { linearCrossEntropy, linearCrossEntropyLoss, type LinearCrossEntropyOptions } from './fusion/linear.js';
export { defineFusedForm, type FusedForm } from './fusion/index.js';
