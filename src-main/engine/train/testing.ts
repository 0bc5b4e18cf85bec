/**
 * Small, deterministic stand-ins for real data, for tests and benchmarks of the model and trainer:
 * random minibatches (one-hot or multi-hot) and in-memory splits with a planted signal.
 */
import type { Batch, PreparedSplit } from '../data/types';
import { Rng } from '../model/rng';

export interface RandomBatchOptions {
  batchSize: number;
  /** I. */
  numDense: number;
  /** One entry per categorical feature (F tables). */
  tableSizes: readonly number[];
  /** Bag sizes drawn uniformly in [min, max] (default [1, 1]: one-hot). 0 gives empty bags. */
  bagSize?: [number, number];
  /** Exponent of the index skew: index = floor(rows * u^skew) (default 1: uniform; 3 as in the probe). */
  skew?: number;
}

/** A random minibatch: dense ~ log1p(U(0, 100)), labels Bernoulli(0.25). */
export function randomBatch(rng: Rng, options: RandomBatchOptions): Batch {
  const { batchSize: B, numDense, tableSizes } = options;
  const [minBag, maxBag] = options.bagSize ?? [1, 1];
  const skew = options.skew ?? 1;
  const F = tableSizes.length;
  const dense = new Float32Array(B * numDense);
  for (let i = 0; i < dense.length; i++) dense[i] = Math.log1p(rng.uniform() * 100);
  const offsets = new Int32Array(F * B + 1);
  const values: number[] = [];
  for (let f = 0; f < F; f++) {
    for (let b = 0; b < B; b++) {
      const n = minBag + rng.int(maxBag - minBag + 1);
      for (let k = 0; k < n; k++) values.push(Math.min(tableSizes[f] - 1, Math.floor(tableSizes[f] * Math.pow(rng.uniform(), skew))));
      offsets[f * B + b + 1] = values.length;
    }
  }
  const labels = new Float32Array(B);
  for (let b = 0; b < B; b++) labels[b] = rng.uniform() < 0.25 ? 1 : 0;
  return { size: B, dense, sparse: { numFeatures: F, batchSize: B, values: Int32Array.from(values), offsets }, labels };
}

/**
 * An in-memory one-hot split whose labels follow a planted logistic model: each category row of each
 * table has an effect, the first dense feature has a weight, and features 0 and 1 interact
 * (same parity of their rows adds +1). trueProbability holds the planted click probability.
 */
export function plantedSplit(numRows: number, tableSizes: readonly number[], seed: number, numDense = 13): PreparedSplit {
  const rng = new Rng(seed);
  // effects depend only on (feature, row), drawn from a generator of their own so train and test agree
  const effectRng = new Rng(12345);
  const effects = tableSizes.map((rows) => Float32Array.from({ length: rows }, () => effectRng.normal(0, 0.8)));
  const F = tableSizes.length;
  const dense = new Float32Array(numRows * numDense);
  const categorical = new Int32Array(numRows * F);
  const labels = new Uint8Array(numRows);
  const trueProbability = new Float32Array(numRows);
  for (let n = 0; n < numRows; n++) {
    for (let i = 0; i < numDense; i++) dense[n * numDense + i] = Math.log1p(rng.uniform() * 50);
    let logit = -1.2 + 0.4 * (dense[n * numDense] - 2.5);
    for (let f = 0; f < F; f++) {
      const row = Math.min(tableSizes[f] - 1, Math.floor(tableSizes[f] * Math.pow(rng.uniform(), 2)));
      categorical[n * F + f] = row;
      logit += effects[f][row] / Math.sqrt(F);
    }
    if (F >= 2 && categorical[n * F] % 2 === categorical[n * F + 1] % 2) logit += 1;
    const p = 1 / (1 + Math.exp(-logit));
    trueProbability[n] = p;
    labels[n] = rng.uniform() < p ? 1 : 0;
  }
  return { numRows, dense, categorical, labels, trueProbability };
}
