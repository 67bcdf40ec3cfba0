/** Options of the demo's {@link train}. */
export interface DemoOptions {
  readonly classes?: number;
  readonly trainPerClass?: number;
  readonly testPerClass?: number;
  readonly steps?: number;
  readonly m?: number;
  readonly batchSize?: number;
  readonly subCenters?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

/** Trains the demo MLP with sub-center ArcFace on mPerClassSampler batches and reports held-out retrieval. */
export function train(
  M: typeof import('../src/index.js'),
  core: typeof import('@losskit/core'),
  tf: typeof import('@tensorflow/tfjs-core'),
  options?: DemoOptions,
): Promise<{ raw: number; recall: number; precisionAt1: number; mapAtR: number; steps: number; ms: number }>;
