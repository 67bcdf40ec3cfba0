/**
 * PyTorch and NumPy printers of this package's ops (`flat`, `loreunWeights`), registered with
 * `@losskit/core`'s exporter when the package loads. Objectives (`objective()`, `gradientDifference()`, ...)
 * are pairs of expressions on the forget and retain batches: each term exports on its own.
 */
import { type ExportNode, type OpExporter, pythonForms as py, registerExporter } from '@losskit/core';
import { type FDivergenceName, fGanPythonForms } from '@losskit/losses';

type Node<P = Record<string, unknown>> = ExportNode<P>;

/** FLAT's sign s of the f-GAN argument (flat.ts): −1 for reverse KL and squared Hellinger. */
const SIGN: Record<FDivergenceName, 1 | -1> = { kl: 1, reverseKl: -1, js: 1, pearson: 1, squaredHellinger: -1, totalVariation: 1 };

const both = <P,>(f: (n: Node<P>) => string): OpExporter<P> => ({ pytorch: f, numpy: f });

/** Every printer of this package, by op kind. */
export const unlearningExporters: Readonly<Record<string, OpExporter<any>>> = Object.freeze({
  // act(P_g) − conj(P_f) = −g_f(s·P_g) + f*(g_f(s·P_f))
  flat: both<{ divergence: FDivergenceName }>((n) => {
    const { ctx } = n;
    const s = SIGN[n.params.divergence];
    const good = ctx.let(s === 1 ? n.args[0]! : `-${n.args[0]!}`, 'flat_good');
    const bad = ctx.let(s === 1 ? n.args[1]! : `-${n.args[1]!}`, 'flat_forget');
    const [act] = fGanPythonForms(ctx, n.params.divergence, good);
    const [, conj] = fGanPythonForms(ctx, n.params.divergence, bad);
    return `(${conj}) - (${act})`;
  }),
  // B·softmax_i(−sg(ℓ_i)/τ): weights with mean 1.
  loreunWeights: both<{ tau: number }>((n) => {
    const { ctx } = n;
    const l = ctx.let(`${py.detach(ctx, n.args[0]!)}.reshape(-1) / -${ctx.num(n.params.tau)}`, 'loreun_logits');
    const softmax = ctx.target === 'pytorch' ? `torch.softmax(${l}, -1)` : `np.exp(${l} - ${l}.max()) / np.exp(${l} - ${l}.max()).sum()`;
    return `${softmax} * ${ctx.batchSize}`;
  }),
});

for (const [kind, e] of Object.entries(unlearningExporters)) registerExporter(kind, e);
