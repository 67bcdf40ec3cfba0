import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { ready } from '@losskit/core';
import { expectNoLeaks } from '@losskit/core/testing';
import {
  adagrad, adam, adamw, centralize, chain, clipByGlobalNorm, disposeParams, disposeState, gravity, lion, lossClosure, momentum, momo, momoAdam, nesterov,
  orthogonalizeToParams, rmsprop, sam, sgd, step, type GradientTransformation, type Params,
  masked, multiTransform, multiSteps, lookahead, injectHyperparams, ema, emaParams, applyIfFinite, scaleByTrustRatio, adaptiveGradClip, clipByBlockRms,
  addNoise, zeroNans, addDecayedWeights, scaleByAdam, scaleByLearningRate,
  nadam, nadamw, amsgrad, adamax, adamaxw, adabelief, yogi, radam, adadelta, adan, novograd, lamb, lars, fromage, signSgd, signum, noisySgd, rprop, sm3,
  polyakSgd, optimisticGradientDescent, optimisticAdam, adafactor, lbfgs,
  acprop, simplifiedAdemamix, backtrackingLinesearch, mechanize, identity, setToZero, freeze, keepParamsNonnegative, applyEvery, conditionallyTransform, conditionallyMask, normalizeByUpdateNorm, scaleByParamBlockNorm,
  adopt, ademamix, scheduleFreeSgd, scheduleFreeAdamw, prodigy, dadaptAdamw, dog, dowg, cocob, madgrad, sophia, reduceOnPlateau, muon,
} from '../src/index.js';

beforeAll(async () => {
  await ready();
});

const optimizers: [string, () => GradientTransformation<any>][] = [
  ['sgd', () => sgd()],
  ['momentum', () => momentum()],
  ['nesterov', () => nesterov()],
  ['adam', () => adam()],
  ['adamw', () => adamw()],
  ['rmsprop (centered, momentum)', () => rmsprop({ centered: true, momentum: 0.9 })],
  ['adagrad', () => adagrad()],
  ['lion', () => lion({ weightDecay: 0.01 })],
  ['momo', () => momo({ weightDecay: 0.01 })],
  ['momoAdam', () => momoAdam()],
  ['gravity', () => gravity({ seed: 1 })],
  ['sam(adam)', () => sam(adam())],
  ['chain(clip, centralize, ⊥Grad, adamw)', () => chain(clipByGlobalNorm(1), centralize(), orthogonalizeToParams(), adamw())],
  ['masked(adamw, w) + multiTransform', () => chain(masked(adamw(), 'w'), multiTransform({ a: scaleByAdam(), b: sgd() }, { w: 'b', b: 'a' }))],
  ['multiSteps(adam, 3)', () => multiSteps(adam(), { everyK: 3 })],
  ['lookahead(adam, reset)', () => lookahead(adam(), { syncPeriod: 4, resetState: true })],
  ['injectHyperparams(adam) with a schedule', () => injectHyperparams(adam)({ learningRate: (t: number) => 1e-3 / (1 + t), b1: 0.9 })],
  ['ema + emaParams', () => emaParams(chain(ema(0.9), scaleByLearningRate(0.01)), { decay: 0.99 })],
  ['applyIfFinite(adam)', () => applyIfFinite(adam(), 3)],
  ['trust ratio, AGC, block RMS, noise, zeroNans', () => chain(zeroNans(), addNoise({ eta: 1e-4, seed: 1 }), adaptiveGradClip(0.1), clipByBlockRms(1), scaleByAdam(), masked(addDecayedWeights(1e-2), (n) => n === 'w'), scaleByTrustRatio(), scaleByLearningRate(1e-3))],
  ['nadam, nadamw', () => chain(nadam(), nadamw())],
  ['amsgrad, adamax, adamaxw', () => chain(amsgrad(), adamax(), adamaxw())],
  ['adabelief (decay), yogi, radam', () => chain(adabelief({ weightDecay: 1e-3 }), yogi(), radam())],
  ['adadelta, adan, novograd', () => chain(adadelta(), adan(), novograd())],
  ['lamb, lars, fromage', () => chain(lamb({ weightDecay: 1e-2 }), lars({ weightDecay: 1e-3, trustRatioMask: 'w' }), fromage())],
  ['signSgd, signum, noisySgd', () => chain(signSgd(), signum(), noisySgd({ seed: 1 }))],
  ['rprop, sm3, polyakSgd', () => chain(rprop(), sm3(), polyakSgd())],
  ['optimistic GD and Adam', () => chain(optimisticGradientDescent(), optimisticAdam())],
  ['adafactor (momentum, decay, relative step)', () => adafactor({ relativeStep: true, momentum: 0.9, weightDecayRate: 1e-3 })],
  ['lbfgs with the zoom line search', () => lbfgs()],
  ['adopt, ademamix', () => chain(adopt(), ademamix({ weightDecay: 1e-3 }))],
  ['scheduleFreeSgd (warmup, decay)', () => scheduleFreeSgd({ learningRate: 0.1, warmupSteps: 10, weightDecay: 1e-3 })],
  ['scheduleFreeAdamw', () => scheduleFreeAdamw()],
  ['prodigy (mask), dadaptAdamw', () => chain(prodigy({ weightDecay: 1e-3, weightDecayMask: 'w' }), dadaptAdamw())],
  ['dog, dowg', () => chain(dog({ weightDecay: 1e-4 }), dowg())],
  ['cocob, madgrad', () => chain(cocob(), madgrad())],
  ['sophia (Hutchinson, every 3 steps)', () => sophia({ updateInterval: 3 })],
  ['adam + reduceOnPlateau', () => chain(adam(), reduceOnPlateau({ patience: 3 }))],
  ['muon (all vectors go to adam here)', () => muon()],
  ['acprop, simplifiedAdemamix', () => chain(acprop(), simplifiedAdemamix())],
  ['identity, normalize, block norm, applyEvery, conditionals, freeze, nonnegative', () => chain(identity(), normalizeByUpdateNorm(), scaleByParamBlockNorm(), applyEvery(3), conditionallyTransform(adam(), (t) => t % 2 === 0), conditionallyMask(sgd(), (t) => t % 3 === 0), freeze('b'), keepParamsNonnegative())],
  ['setToZero', () => setToZero()],
  ['mechanize(adam)', () => mechanize(adam())],
  ['sgd + backtracking line search', () => chain(sgd({ learningRate: 1 }), backtrackingLinesearch())],
];

describe('no tensor leaks across 1,000 steps', () => {
  for (const [name, make] of optimizers) {
    it(name, () => {
      expectNoLeaks(() => {
        const opt = make();
        let params: Params = { w: tf.tensor1d([0.7, -0.4]), b: tf.tensor1d([1.3]) };
        let state = opt.init(params);
        // A cheap objective (Σ(θ − 0.3)², minimum 0): the loop measures bookkeeping, not the model.
        const closure = lossClosure((p) => tf.addN(Object.values(p).map((t) => tf.sum(tf.square(tf.sub(t, 0.3))))) as tf.Scalar);
        for (let k = 0; k < 1000; k++) {
          const { value, grads } = closure(params);
          const r = step(opt, params, grads, state, { extra: { value, loss: closure }, nonFinite: 'ignore' });
          disposeParams(params);
          disposeParams(grads);
          value.dispose();
          params = r.params;
          state = r.state;
        }
        disposeState(state);
        disposeParams(params);
      }, name);
    }, 60_000);
  }
});
