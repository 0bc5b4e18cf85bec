import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolingMode } from '../../domain';
import type { JaggedIndices } from '../data/types';
import { architectureOf } from './architecture';
import { Dlrm } from './dlrm';
import { EmbeddingBagCollection } from './embedding';
import { maxRelativeError, numericGradients } from './gradcheck.testutil';
import { binaryCrossEntropyWithLogits } from './loss';
import { withPooling } from './pooling';
import { Rng } from '../random/rng';
import { randomBatch } from '../train/testing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// F = 2 tables of 3 rows, D = 2, B = 2.
// feature 0: row 0 bag [2], row 1 bag [1, 1, 0] (a duplicate inside one bag)
// feature 1: row 0 bag [] (empty), row 1 bag [2, 0]
const sparse: JaggedIndices = { numFeatures: 2, batchSize: 2, values: Int32Array.of(2, 1, 1, 0, 2, 0), offsets: Int32Array.of(0, 1, 4, 4, 6) };
const tables = (): Float32Array[] => [Float32Array.of(1, 7, 3, 4, 5, 6), Float32Array.of(-1, -2, -3, -4, -5, 6)];

/** Row gradients scattered into dense tables. */
function denseGradients(ebc: { rowGradients(s: JaggedIndices, g: Float32Array): { rows: Int32Array; values: Float32Array }[] }, upstream: Float32Array): Float64Array[] {
  return ebc.rowGradients(sparse, upstream).map((g) => {
    const out = new Float64Array(6);
    g.rows.forEach((row, u) => {
      out[row * 2] += g.values[u * 2]!;
      out[row * 2 + 1] += g.values[u * 2 + 1]!;
    });
    return out;
  });
}

describe('pooling modes', () => {
  it('sum returns the tables themselves (the default is untouched)', () => {
    const ebc = new EmbeddingBagCollection([3, 3], 2, tables());
    expect(withPooling(ebc, 'sum')).toBe(ebc);
  });

  it('mean and max pool by hand', () => {
    // feature 0 rows: t0[0] = (1,7), t0[1] = (3,4), t0[2] = (5,6); feature 1: t1[0] = (-1,-2), t1[2] = (-5,6)
    const mean = withPooling(new EmbeddingBagCollection([3, 3], 2, tables()), 'mean');
    // b0f0 = (5,6); b0f1 empty = 0; b1f0 = ((3,4) + (3,4) + (1,7)) / 3 = (7/3, 5); b1f1 = ((-5,6) + (-1,-2)) / 2 = (-3, 2)
    expect(Array.from(mean.pool(sparse))).toEqual([5, 6, 0, 0, 7 / 3, 5, -3, 2].map((v) => expect.closeTo(v, 6)));
    const max = withPooling(new EmbeddingBagCollection([3, 3], 2, tables()), 'max');
    // b1f0 = max((3,4), (3,4), (1,7)) = (3, 7); b1f1 = max((-5,6), (-1,-2)) = (-1, 6)
    expect(Array.from(max.pool(sparse))).toEqual([5, 6, 0, 0, 3, 7, -1, 6]);
    // rows [1, 2) only, as a second thread pools them
    expect(Array.from(max.poolRows(sparse, 1, 2))).toEqual([3, 7, -1, 6]);
  });

  it('max sends each dimension\'s gradient to the row that attained it (first in the bag on ties)', () => {
    const max = withPooling(new EmbeddingBagCollection([3, 3], 2, tables()), 'max');
    const upstream = Float32Array.of(1, 2, 3, 4, 10, 20, 30, 40);
    const [g0, g1] = denseGradients(max, upstream);
    // feature 0: b0 (row 2) gets (1, 2); b1: dim 0 max 3 at row 1 (first of the tie 1, 1), dim 1 max 7 at row 0
    expect(Array.from(g0!)).toEqual([0, 20, 10, 0, 1, 2]);
    // feature 1: b1 dim 0 max -1 at row 0, dim 1 max 6 at row 2; the empty bag gives nothing
    expect(Array.from(g1!)).toEqual([30, 0, 0, 0, 0, 40]);
  });

  for (const mode of ['mean', 'max'] as const) {
    it(`${mode}: row gradients match finite differences (and rowGradientsOf per table agrees)`, () => {
      const rng = new Rng(2);
      const upstream = Float32Array.from({ length: 8 }, () => rng.normal());
      const t = tables();
      const pooling = withPooling(new EmbeddingBagCollection([3, 3], 2, t.map((x) => x.slice())), mode);
      const analytic = denseGradients(pooling, upstream);
      const loss = (inputs: Float32Array[]) => {
        const pooled = withPooling(new EmbeddingBagCollection([3, 3], 2, inputs), mode).pool(sparse);
        let s = 0;
        for (let i = 0; i < pooled.length; i++) s += pooled[i]! * upstream[i]!;
        return s;
      };
      const numeric = numericGradients(loss, t, 1e-3);
      expect(maxRelativeError(analytic[0]!, numeric[0]!)).toBeLessThan(1e-3);
      expect(maxRelativeError(analytic[1]!, numeric[1]!)).toBeLessThan(1e-3);
      const one = pooling.rowGradientsOf(sparse, upstream, 1);
      const all = pooling.rowGradients(sparse, upstream)[1]!;
      expect(Array.from(one.values)).toEqual(Array.from(all.values));
    });
  }
});

describe('DLRM with pooling modes and per-table sparse MLPs', () => {
  const I = 3;
  const F = 2;
  const D = 3;
  const specOf = (pooling: PoolingMode, sparseMlp: string) =>
    architectureOf({ kind: 'dlrm', embeddingDim: D, bottomMlp: `${I}-4-${D}`, topMlp: '4-1', interaction: 'dot', hashSize: 5, pooling, sparseMlp }, { numDense: I, numFeatures: F });

  it('the default architecture carries no new field, and the validator names bad ones', () => {
    const plain = architectureOf({ kind: 'dlrm', embeddingDim: 2, bottomMlp: '3-2', topMlp: '1', interaction: 'dot', hashSize: 4 }, { numDense: 3, numFeatures: 2 });
    expect('pooling' in plain || 'sparseMlpSizes' in plain).toBe(false);
    expect(() => architectureOf({ kind: 'dlrm', embeddingDim: 2, bottomMlp: '3-2', topMlp: '1', interaction: 'dot', hashSize: 4, sparseMlp: '2-8-3' }, { numDense: 3, numFeatures: 2 })).toThrow(/sparse MLP "2-8-3" must start and end at the embedding dim 2/);
    expect(() => architectureOf({ kind: 'dlrm', embeddingDim: 2, bottomMlp: '3-2', topMlp: '1', interaction: 'dot', hashSize: 4, pooling: 'median' as PoolingMode }, { numDense: 3, numFeatures: 2 })).toThrow(/pooling must be sum, mean or max/);
  });

  it('a sparse MLP leaves the other weights as they were (drawn after the top MLP) and adds F MLPs', () => {
    const plain = Dlrm.create(specOf('sum', ''), [5, 5], 7);
    const extended = Dlrm.create(specOf('sum', `${D}-4-${D}`), [5, 5], 7);
    const a = plain.weights();
    const b = extended.weights();
    expect(b.tables).toEqual(a.tables);
    expect(b.dense.slice(0, a.dense.length)).toEqual(a.dense);
    expect(b.dense).toHaveLength(a.dense.length + F * 4);
    expect(extended.paramCount - plain.paramCount).toBe(F * (D * 4 + 4 + 4 * D + D));
    // a round trip through weights
    const again = Dlrm.fromWeights(specOf('sum', `${D}-4-${D}`), [5, 5], b);
    const batch = randomBatch(new Rng(3), { batchSize: 4, numDense: I, tableSizes: [5, 5], bagSize: [1, 3] });
    expect(Array.from(again.batchLogits(batch))).toEqual(Array.from(extended.batchLogits(batch)));
    for (const m of [plain, extended, again]) m.dispose();
  });

  // Finite differences of ReLU networks are wrong where a pre-activation lies within the step of a
  // kink; with sum pooling and a 3-4-3 sparse MLP at these seeds one does (the tape and the host
  // backward still agree there), so the matrix uses 3-5-3.
  for (const [pooling, sparseMlp] of [['sum', `${D}-5-${D}`], ['mean', ''], ['max', ''], ['mean', `${D}-5-${D}`], ['max', `${D}-${D}`]] as const) {
    it(`pooling ${pooling}, sparse MLP "${sparseMlp}": loss gradients w.r.t. the pooled vectors and every dense weight match finite differences, and the host backward equals the tape`, () => {
      const arch = specOf(pooling, sparseMlp);
      const B = 4;
      const model = Dlrm.create(arch, [5, 5], 11);
      const batch = randomBatch(new Rng(5), { batchSize: B, numDense: I, tableSizes: [5, 5], bagSize: [1, 3] });
      const weights = model.variables().map((v) => (v.dataSync() as Float32Array).slice());
      const pooledValues = model.pool(batch);
      // the loss as a function of the pooled vectors (by this pooling) and of every dense weight; the
      // pooling's own backward to the table rows is checked against finite differences above
      const lossOf = (inputs: Float32Array[]) =>
        tf.tidy(() => {
          const ws = inputs.slice(1).map((w, k) => tf.tensor(w, model.variables()[k]!.shape));
          const logits = model.logits(tf.tensor2d(batch.dense, [B, I]), tf.tensor3d(inputs[0]!, [B, F, D]), ws);
          return binaryCrossEntropyWithLogits(logits, tf.tensor2d(batch.labels, [B, 1])).dataSync()[0]!;
        });
      // a smaller step for the pooled vectors keeps the difference off the ReLU kinks a bag's vector may
      // sit near; the weights keep 1e-3, above float32's rounding of the loss
      const numericPooled = numericGradients(lossOf, [pooledValues.slice(), ...weights.map((w) => w.slice())], 1e-4)[0]!;
      const numeric = numericGradients(lossOf, [pooledValues.slice(), ...weights], 1e-3);
      numeric[0] = numericPooled;
      const host = tf.tidy(() => {
        const r = model.hostLossAndGradients({ dense: batch.dense, pooled: pooledValues, labels: batch.labels, rows: B, lossScale: 1 });
        return { loss: r.loss, pooledGradient: r.pooledGradient, dense: r.denseGradients.map((t) => Array.from(t.dataSync())) };
      });
      expect(maxRelativeError(Array.from(host.pooledGradient), numeric[0]!), 'pooled').toBeLessThan(2e-2);
      host.dense.forEach((g, k) => expect(maxRelativeError(g, numeric[1 + k]!), `dense weight ${k}`).toBeLessThan(2e-2));
      // and the table rows get the pooled gradient through the pooling backward (shape and finiteness)
      const rows = model.embeddings.rowGradients(batch.sparse, host.pooledGradient);
      expect(rows).toHaveLength(F);
      for (const g of rows) expect(g.values.every((v) => Number.isFinite(v))).toBe(true);
      // the tape through logits() gives the same gradients as the explicit host backward
      const pooled = model.pool(batch);
      const taped = tf.tidy(() => {
        const f = tf.valueAndGrads((...args: tf.Tensor[]) =>
          binaryCrossEntropyWithLogits(model.logits(tf.tensor2d(batch.dense, [B, I]), args[0] as tf.Tensor3D, args.slice(1)), tf.tensor2d(batch.labels, [B, 1])) as tf.Scalar,
        );
        const r = f([tf.tensor3d(pooled, [B, F, D]), ...model.variables()]);
        return { loss: r.value.dataSync()[0]!, grads: r.grads.map((t) => Array.from(t.dataSync())) };
      });
      expect(host.loss).toBeCloseTo(taped.loss, 5);
      expect(maxRelativeError(Array.from(host.pooledGradient), taped.grads[0]!)).toBeLessThan(1e-4);
      host.dense.forEach((g, k) => expect(maxRelativeError(g, taped.grads[k + 1]!), `taped ${k}`).toBeLessThan(1e-4));
      model.dispose();
    });
  }

  it('frees every tensor it makes (host backward with sparse MLPs inside tidy)', () => {
    const model = Dlrm.create(specOf('mean', `${D}-4-${D}`), [5, 5], 1);
    const batch = randomBatch(new Rng(6), { batchSize: 4, numDense: I, tableSizes: [5, 5], bagSize: [1, 3] });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      model.hostLossAndGradients({ dense: batch.dense, pooled: model.pool(batch), labels: batch.labels, rows: 4, lossScale: 1 });
    });
    model.batchLogits(batch);
    model.interactionVectors(batch);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
