import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../data/types';
import { architectureOf } from './architecture';
import { Dlrm } from './dlrm';
import { binaryCrossEntropyWithLogits } from './loss';
import { Rng } from '../random/rng';
import { randomBatch } from '../train/testing';
import { maxRelativeError, numericGradients } from './gradcheck.testutil';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * I = 2, F = 2, D = 2, bottom 2-2 with W = identity, b = 0 (so x = relu(dense)),
 * table 0 rows (3,4), (1,-1); table 1 row (5,6); top 5-1 with W = (1, 1, 0.1, 0, -0.01), b = 0.5.
 */
function handModel(): Dlrm {
  const arch = architectureOf(
    { kind: 'dlrm', embeddingDim: 2, bottomMlp: '2-2', topMlp: '1', interaction: 'dot', hashSize: 2 },
    { numDense: 2, numFeatures: 2 },
  );
  return Dlrm.fromWeights(arch, [2, 1], {
    tables: [Float32Array.of(3, 4, 1, -1), Float32Array.of(5, 6)],
    dense: [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0), Float32Array.of(1, 1, 0.1, 0, -0.01), Float32Array.of(0.5)],
  });
}

/** Row a: dense (1, 2), bags [0] and [0]; row b: dense (-1, 3), bags [0, 1] and [0]. */
const handBatch: Batch = {
  size: 2,
  dense: Float32Array.of(1, 2, -1, 3),
  sparse: { numFeatures: 2, batchSize: 2, values: Int32Array.of(0, 0, 1, 0, 0), offsets: Int32Array.of(0, 1, 3, 4, 5) },
  labels: Float32Array.of(1, 0),
};

describe('Dlrm forward on a hand-computed example', () => {
  it('logits', () => {
    // row a: x = (1,2), e1 = (3,4), e2 = (5,6); dots (1,0) = 11, (2,0) = 17, (2,1) = 39
    //   logit = 1 + 2 + 0.1*11 + 0*17 - 0.01*39 + 0.5 = 4.21
    // row b: x = relu(-1, 3) = (0,3), e1 = (3,4) + (1,-1) = (4,3), e2 = (5,6);
    //   dots (1,0) = 9, (2,0) = 18, (2,1) = 20 + 18 = 38; logit = 0 + 3 + 0.9 - 0.38 + 0.5 = 4.02
    const model = handModel();
    const logits = model.batchLogits(handBatch);
    expect(logits[0]).toBeCloseTo(4.21, 5);
    expect(logits[1]).toBeCloseTo(4.02, 5);
    const p = model.predict(handBatch);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-4.21)), 6);
    model.dispose();
  });

  it('explainable: vectors, logits from vectors, pair masks and pair gradients', () => {
    const model = handModel();
    const vectors = model.interactionVectors(handBatch);
    expect(Array.from(vectors)).toEqual([1, 2, 3, 4, 5, 6, 0, 3, 4, 3, 5, 6]);
    expect(Array.from(model.logitsFromVectors(vectors, 2)).map((v) => +v.toFixed(5))).toEqual([4.21, 4.02]);
    // zeroing pair (1,0) removes 0.1 * 11 from row a and 0.1 * 9 from row b
    const mask = new Float32Array(9).fill(1);
    mask[1 * 3 + 0] = 0;
    expect(Array.from(model.logitsFromVectors(vectors, 2, mask)).map((v) => +v.toFixed(5))).toEqual([3.11, 3.12]);
    // the top MLP is linear here, so d logit / d dot(i,j) is the top weight of that pair
    const grads = model.pairGradients(handBatch);
    const rowA = Array.from(grads.subarray(0, 9)).map((v) => +v.toFixed(5));
    expect(rowA).toEqual([0, 0, 0, 0.1, 0, 0, 0, -0.01, 0]);
    model.dispose();
  });
});

describe('Dlrm gradients and init', () => {
  it('pair gradients match finite differences through pair masks (nonlinear top MLP)', () => {
    const arch = architectureOf(
      { kind: 'dlrm', embeddingDim: 3, bottomMlp: '4-5-3', topMlp: '6-1', interaction: 'dot-self', hashSize: 5 },
      { numDense: 4, numFeatures: 3 },
    );
    const model = Dlrm.create(arch, [5, 5, 5], 11);
    const batch = randomBatch(new Rng(2), { batchSize: 3, numDense: 4, tableSizes: [5, 5, 5], bagSize: [1, 2] });
    const vectors = model.interactionVectors(batch);
    const grads = model.pairGradients(batch);
    const V = 4;
    // d logit / d mask(i,j) at mask = 1 equals d logit / d dot(i,j) * dot(i,j)
    for (const [i, j] of [[1, 0], [2, 2], [3, 1]]) {
      const eps = 1e-2;
      const at = (m: number) => {
        const mask = new Float32Array(V * V).fill(1);
        mask[i * V + j] = m;
        return model.logitsFromVectors(vectors, 3, mask);
      };
      const up = at(1 + eps);
      const down = at(1 - eps);
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let d = 0; d < 3; d++) dot += vectors[(b * V + i) * 3 + d] * vectors[(b * V + j) * 3 + d];
        const numeric = (up[b] - down[b]) / (2 * eps);
        expect(grads[b * V * V + i * V + j] * dot).toBeCloseTo(numeric, 3);
      }
    }
    model.dispose();
  });

  it('loss gradient w.r.t. pooled embeddings and every MLP weight matches finite differences', () => {
    const arch = architectureOf(
      { kind: 'dlrm', embeddingDim: 2, bottomMlp: '3-4-2', topMlp: '3-1', interaction: 'dot', hashSize: 4 },
      { numDense: 3, numFeatures: 2 },
    );
    const model = Dlrm.create(arch, [4, 4], 5);
    const batch = randomBatch(new Rng(9), { batchSize: 4, numDense: 3, tableSizes: [4, 4] });
    const pooled = model.pool(batch);
    const weights = model.variables().map((v) => (v.dataSync() as Float32Array).slice());
    const lossOf = (inputs: Float32Array[]) =>
      tf.tidy(() => {
        const ws = inputs.slice(1).map((w, k) => tf.tensor(w, model.variables()[k].shape));
        const logits = model.logits(tf.tensor2d(batch.dense, [4, 3]), tf.tensor3d(inputs[0], [4, 2, 2]), ws);
        return binaryCrossEntropyWithLogits(logits, tf.tensor2d(batch.labels, [4, 1])).dataSync()[0];
      });
    const analytic = tf.tidy(() => {
      const g = tf.grads((...args: tf.Tensor[]) =>
        binaryCrossEntropyWithLogits(model.logits(tf.tensor2d(batch.dense, [4, 3]), args[0] as tf.Tensor3D, args.slice(1)), tf.tensor2d(batch.labels, [4, 1])),
      );
      return g([tf.tensor3d(pooled, [4, 2, 2]), ...model.variables()]).map((t) => Array.from(t.dataSync()));
    });
    const numeric = numericGradients(lossOf, [pooled, ...weights], 1e-3);
    analytic.forEach((a, k) => expect(maxRelativeError(a, numeric[k])).toBeLessThan(2e-2));
    model.dispose();
  });

  // the trainer's path on wasm/cpu: the explicit backward must give the tape's numbers
  // B = 300 takes the row layout (above COLUMN_LAYOUT_MAX_BATCH), the others the column layout
  for (const [interaction, D, B] of [['dot', 16, 6], ['dot-self', 16, 6], ['cat', 4, 6], ['dot', 3, 6], ['dot', 16, 300]] as const) {
    it(`explicit host backward equals the taped gradients (${interaction}, D = ${D}, B = ${B}, scaled loss)`, () => {
      const I = 5;
      const F = 3;
      const arch = architectureOf(
        { kind: 'dlrm', embeddingDim: D, bottomMlp: `${I}-8-${D}`, topMlp: '7-1', interaction, hashSize: 10 },
        { numDense: I, numFeatures: F },
      );
      const model = Dlrm.create(arch, [10, 10, 10], 3);
      const batch = randomBatch(new Rng(4), { batchSize: B, numDense: I, tableSizes: [10, 10, 10] });
      const pooled = model.pool(batch);
      const lossScale = 0.5;
      const taped = tf.tidy(() => {
        const f = tf.valueAndGrads((...args: tf.Tensor[]) =>
          tf.mul(binaryCrossEntropyWithLogits(model.logits(tf.tensor2d(batch.dense, [B, I]), args[0] as tf.Tensor3D, args.slice(1)), tf.tensor2d(batch.labels, [B, 1])), lossScale) as tf.Scalar,
        );
        const r = f([tf.tensor3d(pooled, [B, F, D]), ...model.variables()]);
        return { loss: r.value.dataSync()[0], grads: r.grads.map((t) => Array.from(t.dataSync())) };
      });
      const host = tf.tidy(() => {
        const r = model.hostLossAndGradients({ dense: batch.dense, pooled, labels: batch.labels, rows: B, lossScale });
        return { loss: r.loss, grads: [Array.from(r.pooledGradient), ...r.denseGradients.map((t) => Array.from(t.dataSync()))] };
      });
      expect(host.loss).toBeCloseTo(taped.loss, 5);
      expect(host.grads).toHaveLength(taped.grads.length);
      host.grads.forEach((g, k) => expect(maxRelativeError(g, taped.grads[k]), `gradient ${k}`).toBeLessThan(1e-4));
      model.dispose();
    });
  }

  it('same seed, same weights; different seed, different weights', () => {
    const arch = architectureOf({ kind: 'dlrm', embeddingDim: 2, bottomMlp: '3-2', topMlp: '1', interaction: 'cat', hashSize: 4 }, { numDense: 3, numFeatures: 2 });
    const weightsOf = (seed: number) => {
      const model = Dlrm.create(arch, [4, 4], seed);
      const w = model.weights();
      model.dispose();
      return w;
    };
    const a = weightsOf(1);
    const b = weightsOf(1);
    const c = weightsOf(2);
    expect(a).toEqual(b);
    expect(a.dense[0]).not.toEqual(c.dense[0]);
  });
});
