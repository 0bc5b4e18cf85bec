import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec, OptimizerSpec } from '../../domain';
import type { JaggedIndices } from '../data/types';
import { Rng } from '../random/rng';
import { randomBatch } from '../train/testing';
import { ModelTrainer } from '../train/trainer';
import { decodeTable, HalfPrecisionBags, MixedDimensionBags, QuotientRemainderBags, toBfloatBits, toHalfBits } from './compressed-embedding';
import type { EmbeddingTables, SparseRowGradient } from './embedding-tables';
import { maxRelativeError, numericGradients } from './gradcheck.testutil';
import { checkModelSpec, resolveModel } from './model-spec';
import { createModel, modelFromWeights } from './models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two features, three batch rows; feature 0 has a bag of two (value 4 twice) and an empty bag. */
const sparse: JaggedIndices = {
  numFeatures: 2,
  batchSize: 3,
  // feature 0: [5], [4, 4], []; feature 1: [0], [6], [6]
  values: Int32Array.from([5, 4, 4, 0, 6, 6]),
  offsets: Int32Array.from([0, 1, 3, 3, 4, 5, 6]),
};
const featureRows = [7, 7];
const D = 2;

function filled(bags: EmbeddingTables, seed: number): void {
  const rng = new Rng(seed);
  for (const t of bags.tables) for (let i = 0; i < t.length; i++) t[i] = rng.normal(0, 1);
}

/** The stored tables' gradients of sum(pooled * upstream), dense per stored table, from rowGradients(). */
function denseGradients(bags: EmbeddingTables, grads: SparseRowGradient[]): Float64Array[] {
  return grads.map((g, t) => {
    const width = bags.tableWidths[t];
    const out = new Float64Array(bags.tableSizes[t] * width);
    g.rows.forEach((row, u) => {
      for (let d = 0; d < width; d++) out[row * width + d] += g.values[u * width + d];
    });
    return out;
  });
}

function checkAgainstFiniteDifferences(make: (tables: Float32Array[]) => EmbeddingTables): void {
  const bags = make([]);
  filled(bags, 3);
  const rng = new Rng(4);
  const upstream = Float32Array.from({ length: 3 * 2 * bags.dim }, () => rng.normal());
  const analytic = denseGradients(bags, bags.rowGradients(sparse, upstream));
  const loss = (inputs: Float32Array[]) => {
    const pooled = make(inputs).pool(sparse);
    let s = 0;
    for (let i = 0; i < pooled.length; i++) s += pooled[i] * upstream[i];
    return s;
  };
  const numeric = numericGradients(loss, bags.tables.map((t) => t.slice()));
  analytic.forEach((a, t) => expect(maxRelativeError(a, numeric[t])).toBeLessThan(1e-3));
  // the scratch slots were reset: a second backward gives the same numbers
  const again = denseGradients(bags, bags.rowGradients(sparse, upstream));
  again.forEach((a, t) => expect(Array.from(a)).toEqual(Array.from(analytic[t])));
}

describe('QuotientRemainderBags', () => {
  const spec = (combine: 'product' | 'sum') => ({ kind: 'qr' as const, remainderRows: 3, combine });

  it('stores ceil(n / m) quotient rows and m remainder rows per feature', () => {
    const bags = new QuotientRemainderBags(featureRows, D, spec('product'));
    expect(bags.tableSizes).toEqual([3, 3, 3, 3]);
    expect(bags.paramCount).toBe(4 * 3 * D);
  });

  it('forward: value i is Q[i / m] * R[i mod m] (product) or + (sum), bags summed, by hand', () => {
    // feature 0: Q rows q0 q1 q2, R rows r0 r1 r2; value 5 = (1, 2), value 4 = (1, 1)
    const q = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const r = Float32Array.from([0.5, -1, 2, 0.25, -3, 10]);
    const other = Float32Array.from([1, 1, 1, 1, 1, 1]);
    const product = new QuotientRemainderBags(featureRows, D, spec('product'), [q, r, other, other]);
    const pooled = product.pool(sparse);
    // row 0, feature 0: Q[1] * R[2] = [3 * -3, 4 * 10]
    expect(Array.from(pooled.subarray(0, 2))).toEqual([-9, 40]);
    // row 1, feature 0: 2 * Q[1] * R[1] = 2 * [3 * 2, 4 * 0.25]
    expect(Array.from(pooled.subarray(4, 6))).toEqual([12, 2]);
    // row 2, feature 0: empty bag
    expect(Array.from(pooled.subarray(8, 10))).toEqual([0, 0]);
    const sum = new QuotientRemainderBags(featureRows, D, spec('sum'), [q, r, other, other]);
    expect(Array.from(sum.pool(sparse).subarray(0, 2))).toEqual([3 - 3, 4 + 10]);
    // featureMatrix: every value's vector, as Explore projects it
    const matrix = product.featureMatrix(0);
    expect(matrix.length).toBe(7 * D);
    expect(Array.from(matrix.subarray(5 * D, 6 * D))).toEqual([-9, 40]);
  });

  it.each(['product', 'sum'] as const)('row gradients (%s) match finite differences', (combine) => {
    checkAgainstFiniteDifferences((tables) => new QuotientRemainderBags(featureRows, D, spec(combine), tables.length ? tables : undefined));
  });
});

describe('MixedDimensionBags', () => {
  const spec = { kind: 'mixed-dim' as const, hotShare: 0.5, coldDim: 1 };

  it('stores hot [h, D], cold [n - h, c] and a projection [c, D] per feature', () => {
    const bags = new MixedDimensionBags(featureRows, D, spec);
    expect(bags.tableSizes).toEqual([4, 3, 1, 4, 3, 1]);
    expect(bags.tableWidths).toEqual([2, 1, 2, 2, 1, 2]);
  });

  it('forward: hot rows as stored, cold rows through the projection, by hand', () => {
    const hot = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const cold = Float32Array.from([10, 20, 30]); // values 4, 5, 6
    const projection = Float32Array.from([0.5, -2]);
    const bags = new MixedDimensionBags(featureRows, D, spec, [hot, cold, projection, hot, cold, projection]);
    const pooled = bags.pool(sparse);
    // row 0, feature 0: value 5 -> 20 * [0.5, -2]
    expect(Array.from(pooled.subarray(0, 2))).toEqual([10, -40]);
    // row 1, feature 0: value 4 twice -> 2 * 10 * [0.5, -2]
    expect(Array.from(pooled.subarray(4, 6))).toEqual([10, -40]);
    // row 0, feature 1: value 0 is hot -> [1, 2]
    expect(Array.from(pooled.subarray(2, 4))).toEqual([1, 2]);
  });

  it('row gradients (hot, cold and projection) match finite differences', () => {
    checkAgainstFiniteDifferences((tables) => new MixedDimensionBags(featureRows, D, { ...spec, coldDim: 1 }, tables.length ? tables : undefined));
    checkAgainstFiniteDifferences((tables) => new MixedDimensionBags(featureRows, 3, { kind: 'mixed-dim', hotShare: 0.3, coldDim: 2 }, tables.length ? tables : undefined));
  });
});

describe('half-precision storage', () => {
  it('fp16 round trip: relative error at most 2^-11 in the normal range, exact for representable values', () => {
    const rng = new Rng(1);
    const decode = decodeTable('fp16');
    for (let i = 0; i < 20_000; i++) {
      const x = rng.normal(0, 1) * 2 ** rng.int(20 - 10);
      const back = decode[toHalfBits(x)];
      expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 1e-12);
    }
    for (const x of [0, 1, -2, 0.5, 65504, 2 ** -24, -(2 ** -14)]) expect(decode[toHalfBits(x)]).toBe(x);
    expect(decode[toHalfBits(70000)]).toBe(Infinity);
    expect(decode[toHalfBits(2 ** -26)]).toBe(0);
    // round to nearest even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10
    expect(decode[toHalfBits(1 + 2 ** -11)]).toBe(1);
    expect(decode[toHalfBits(1 + 3 * 2 ** -11)]).toBe(1 + 2 ** -9);
  });

  it('bf16 round trip: relative error at most 2^-8', () => {
    const rng = new Rng(2);
    const decode = decodeTable('bf16');
    for (let i = 0; i < 20_000; i++) {
      const x = rng.normal(0, 1) * 2 ** (rng.int(60) - 30);
      expect(Math.abs(decode[toBfloatBits(x)] - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -8);
    }
    expect(decode[toBfloatBits(1 + 2 ** -8)]).toBe(1);
  });

  it('pools the decoded rows; updates are computed in float32 and rounded back', () => {
    const bags = HalfPrecisionBags.fromFloat32(featureRows, D, 'fp16', [Float32Array.from({ length: 14 }, (_, i) => i / 8), new Float32Array(14).fill(0.25)]);
    expect(bags.storedBytes).toBe(2 * 14 * 2);
    expect(Array.from(bags.pool(sparse).subarray(0, 2))).toEqual([10 / 8, 11 / 8]);
    const grads = bags.rowGradients(sparse, new Float32Array(12).fill(1));
    expect(Array.from(grads[0].rows)).toEqual([5, 4]);
    // plain SGD with rate 0.5: row 4 was used twice -> 8/8 - 2 * 0.5 = 0
    const sgd = {
      apply(_t: number, table: Float32Array, g: SparseRowGradient, rate: number, packed?: boolean) {
        expect(packed).toBe(true);
        for (let i = 0; i < g.values.length; i++) table[i] -= rate * g.values[i];
      },
    };
    bags.applyRowGradients(grads, sgd, 0.5);
    expect(Array.from(bags.featureMatrix(0).subarray(8, 10))).toEqual([0, 9 / 8 - 1]);
    expect(Array.from(bags.featureMatrix(0).subarray(10, 12))).toEqual([10 / 8 - 0.5, 11 / 8 - 0.5]);
  });
});

describe('compressed DLRMs train and save', () => {
  const base: ModelSpec = { kind: 'dlrm', embeddingDim: 4, bottomMlp: '3-4', topMlp: '4-1', interaction: 'dot', hashSize: 50 };
  const optimizer: OptimizerSpec = { dense: 'adagrad', sparse: 'rowwise-adagrad', learningRate: 0.05, warmupSteps: 0, decay: 'none' };
  const tableSizes = [50, 20];
  const variants: [string, Partial<ModelSpec>][] = [
    ['qr product', { compression: { kind: 'qr', remainderRows: 8, combine: 'product' } }],
    ['qr sum', { compression: { kind: 'qr', remainderRows: 8, combine: 'sum' } }],
    ['mixed-dim', { compression: { kind: 'mixed-dim', hotShare: 0.2, coldDim: 2 } }],
    ['fp16', { tablePrecision: 'fp16' }],
    ['bf16', { tablePrecision: 'bf16' }],
  ];

  it.each(variants)('%s: the loss of a repeated batch falls, weights round-trip, no tensor leaks', (_name, extra) => {
    const spec = { ...base, ...extra };
    expect(resolveModel(spec, { numDense: 3, numFeatures: 2 }).errors).toEqual([]);
    const tensorsBefore = tf.memory().numTensors;
    const trainer = new ModelTrainer({ model: spec, optimizer, train: { batchSize: 32, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0.1, checkpointEvery: 0 }, tableSizes, numDense: 3 });
    const batch = randomBatch(new Rng(5), { batchSize: 32, numDense: 3, tableSizes });
    const first = trainer.step(batch, 0.05);
    let last = first;
    for (let i = 0; i < 30; i++) last = trainer.step(batch, 0.05);
    expect(last).toBeLessThan(first * 0.9);
    const restored = modelFromWeights(spec, tableSizes, trainer.model.weights(), { numDense: 3 });
    expect(Array.from(restored.predict(batch))).toEqual(Array.from(trainer.model.predict(batch)));
    restored.dispose();
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('refuses compression on other kinds and bad fields, naming the field', () => {
    expect(checkModelSpec({ ...base, kind: 'fm', compression: { kind: 'qr', remainderRows: 8, combine: 'sum' } }).errors.join()).toMatch(/only DLRM/);
    expect(checkModelSpec({ ...base, compression: { kind: 'qr', remainderRows: 1, combine: 'sum' } }).errors.join()).toMatch(/remainderRows/);
    expect(checkModelSpec({ ...base, compression: { kind: 'mixed-dim', hotShare: 0.2, coldDim: 4 } }).errors.join()).toMatch(/coldDim/);
    expect(checkModelSpec({ ...base, compression: { kind: 'mixed-dim', hotShare: 1, coldDim: 2 } }).errors.join()).toMatch(/hotShare/);
    expect(checkModelSpec({ ...base, tablePrecision: 'fp16', compression: { kind: 'qr', remainderRows: 8, combine: 'sum' } }).errors.join()).toMatch(/full tables only/);
    expect(() => createModel({ ...base, compression: { kind: 'qr', remainderRows: 1, combine: 'sum' } }, tableSizes, 1, { numDense: 3 })).toThrow(/remainderRows/);
  });

  it('defaults are the full float32 tables, bit for bit', () => {
    const plain = createModel(base, tableSizes, 7, { numDense: 3 });
    const explicit = createModel({ ...base, tablePrecision: 'fp32' }, tableSizes, 7, { numDense: 3 });
    const batch = randomBatch(new Rng(2), { batchSize: 8, numDense: 3, tableSizes });
    expect(Array.from(explicit.predict(batch))).toEqual(Array.from(plain.predict(batch)));
    expect(plain.embeddings.constructor.name).toBe('EmbeddingBagCollection');
    plain.dispose();
    explicit.dispose();
  });
});
