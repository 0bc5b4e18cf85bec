import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../data/types';
import { FactorizationMachine, factorizationBackward, factorizationForward, factorizationTerm, factorizationTermStock } from './fm';
import { maxRelativeError, numericGradients } from './gradcheck.testutil';
import { LogisticRegression } from './logistic';
import { Rng } from '../random/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Row a: dense (2, 3), bags [0] and [0]; row b: dense (-1, 1), bags [0, 1] and [0]. */
const handBatch: Batch = {
  size: 2,
  dense: Float32Array.of(2, 3, -1, 1),
  sparse: { numFeatures: 2, batchSize: 2, values: Int32Array.of(0, 0, 1, 0, 0), offsets: Int32Array.of(0, 1, 3, 4, 5) },
  labels: Float32Array.of(1, 0),
};

describe('factorisation machine', () => {
  it('forward on a hand-computed example', () => {
    // I = 2, F = 2, D = 2 (rows are [w | v1 v2]); projection P = [[0.5, 1, 0], [0, 0, 1]], c = (0.1, 0, 0)
    // table 0: (0.2 | 1, 0), (-0.1 | 0, 1); table 1: (0.3 | 1, 1)
    // row a: u = (2, 3) P + c = (1.1 | 2, 3); e1 = (0.2 | 1, 0); e2 = (0.3 | 1, 1)
    //   linear 1.1 + 0.2 + 0.3 = 1.6; pairs <u,e1> = 2, <u,e2> = 5, <e1,e2> = 1; logit 9.6
    // row b: u = (-0.4 | -1, 1); e1 = (0.2 - 0.1 | 1, 1) = (0.1 | 1, 1); e2 = (0.3 | 1, 1)
    //   linear -0.4 + 0.1 + 0.3 = 0; pairs <u,e1> = 0, <u,e2> = 0, <e1,e2> = 2; logit 2
    const model = FactorizationMachine.fromWeights({ numDense: 2, factorDim: 2 }, [2, 1], {
      tables: [Float32Array.of(0.2, 1, 0, -0.1, 0, 1), Float32Array.of(0.3, 1, 1)],
      dense: [Float32Array.of(0.5, 1, 0, 0, 0, 1), Float32Array.of(0.1, 0, 0)],
    });
    const logits = model.batchLogits(handBatch);
    expect(logits[0]).toBeCloseTo(9.6, 5);
    expect(logits[1]).toBeCloseTo(2, 5);
    expect(model.predict(handBatch)[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(model.paramCount).toBe(3 * 3 + 2 * 3 + 3);
    // pairwise strengths, mean over the two rows: (dense, C1) (2 + 0) / 2 = 1, (dense, C2) 2.5, (C1, C2) 1.5
    const s = model.interactionStrengths(handBatch);
    expect(s.labels).toEqual(['dense', 'C1', 'C2']);
    expect(s.meanDot[1][0]).toBeCloseTo(1, 5);
    expect(s.meanDot[0][2]).toBeCloseTo(2.5, 5);
    expect(s.meanDot[2][1]).toBeCloseTo(1.5, 5);
    // the off-diagonal strengths are the pairwise part of the logit: 9.6 - 1.6 + 2 - 0 = 2 * (1 + 2.5 + 1.5)
    expect(2 * (s.meanDot[1][0] + s.meanDot[2][0] + s.meanDot[2][1])).toBeCloseTo(10, 5);
    model.dispose();
  });

  it('logistic regression is the factorisation machine without factors', () => {
    // tables (0.2), (-0.1) and (0.3); p = (0.5, 0), c = 0.1
    // row a: 0.5*2 + 0.1 + 0.2 + 0.3 = 1.6; row b: -0.5 + 0.1 + (0.2 - 0.1) + 0.3 = 0
    const model = LogisticRegression.fromWeights({ numDense: 2 }, [2, 1], {
      tables: [Float32Array.of(0.2, -0.1), Float32Array.of(0.3)],
      dense: [Float32Array.of(0.5, 0), Float32Array.of(0.1)],
    });
    expect(model.kind).toBe('lr');
    const logits = model.batchLogits(handBatch);
    expect(logits[0]).toBeCloseTo(1.6, 5);
    expect(logits[1]).toBeCloseTo(0, 5);
    expect(model.paramCount).toBe(3 + 3);
    expect(model.weightOf(0, 1)).toBeCloseTo(-0.1, 7);
    model.dispose();
  });

  it('factorisation term backward matches finite differences (with and without the leading vector)', () => {
    const rng = new Rng(4);
    const B = 3;
    const F = 4;
    const W = 5;
    const pooled = Float32Array.from({ length: B * F * W }, () => rng.normal());
    const leading = Float32Array.from({ length: B * W }, () => rng.normal());
    const upstream = Float32Array.from({ length: B }, () => rng.normal());
    const weighted = (out: Float32Array) => out.reduce((s, v, b) => s + v * upstream[b], 0);
    for (const withLeading of [true, false]) {
      const f = (inputs: Float32Array[]) => weighted(factorizationForward(inputs[0], B, F, W, withLeading ? inputs[1] : undefined));
      const numeric = numericGradients(f, withLeading ? [pooled, leading] : [pooled], 1e-2);
      const analytic = factorizationBackward(pooled, upstream, B, F, W, withLeading ? leading : undefined);
      expect(maxRelativeError(analytic.pooled, numeric[0])).toBeLessThan(1e-3);
      if (withLeading) expect(maxRelativeError(analytic.leading as Float32Array, numeric[1])).toBeLessThan(1e-3);
      else expect(analytic.leading).toBeNull();
    }
  });

  it('the custom-gradient op agrees with the stock-op version, values and gradients', () => {
    const rng = new Rng(6);
    const pooled = tf.tensor3d(Float32Array.from({ length: 3 * 4 * 5 }, () => rng.normal()), [3, 4, 5]);
    const leading = tf.tensor2d(Float32Array.from({ length: 3 * 5 }, () => rng.normal()), [3, 5]);
    const upstream = tf.tensor2d(Float32Array.from({ length: 3 }, () => rng.normal()), [3, 1]);
    const before = tf.memory().numTensors;
    const run = (op: typeof factorizationTerm) =>
      tf.tidy(() => {
        const value = Array.from(op(pooled, leading).dataSync());
        const grads = tf.grads((p: tf.Tensor, l: tf.Tensor) => tf.sum(tf.mul(op(p as tf.Tensor3D, l as tf.Tensor2D), upstream)))([pooled, leading]);
        return { value, grads: grads.map((g) => Array.from(g.dataSync())) };
      });
    const custom = run(factorizationTerm);
    const stock = run(factorizationTermStock);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelativeError(custom.value, stock.value)).toBeLessThan(1e-5);
    custom.grads.forEach((g, k) => expect(maxRelativeError(g, stock.grads[k])).toBeLessThan(1e-5));
    tf.dispose([pooled, leading, upstream]);
  });

  it('the O(V D) identity equals the sum over pairs', () => {
    const rng = new Rng(8);
    const B = 2;
    const F = 5;
    const W = 4;
    const pooled = Float32Array.from({ length: B * F * W }, () => rng.normal());
    const out = factorizationForward(pooled, B, F, W);
    for (let b = 0; b < B; b++) {
      let expected = 0;
      for (let i = 0; i < F; i++) {
        expected += pooled[(b * F + i) * W];
        for (let j = 0; j < i; j++) for (let d = 1; d < W; d++) expected += pooled[(b * F + i) * W + d] * pooled[(b * F + j) * W + d];
      }
      expect(out[b]).toBeCloseTo(expected, 4);
    }
  });

  it('random init is deterministic for a seed; tables are D + 1 wide', () => {
    const a = FactorizationMachine.create({ numDense: 3, factorDim: 2 }, [4, 5], 3);
    const b = FactorizationMachine.create({ numDense: 3, factorDim: 2 }, [4, 5], 3);
    expect(a.weights()).toEqual(b.weights());
    expect(a.embeddings.tables[1].length).toBe(5 * 3);
    a.dispose();
    b.dispose();
  });
});
