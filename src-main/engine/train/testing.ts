/**
 * Small, deterministic stand-ins for real data, for tests and benchmarks of the model and trainer:
 * random minibatches (one-hot or multi-hot) and in-memory splits with a planted signal.
 */
import type { Batch, PreparedSplit } from '../data/types';
import { Rng } from '../random/rng';

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

export interface PlantedInteractionOptions {
  /** Pairs of categorical features that interact, with the scale of their dot product. Default (0,1) x 2 and (2,3) x 1.5. */
  pairs?: { a: number; b: number; scale: number }[];
  /** Latent dimension of the planted vectors (default 2). */
  latentDim?: number;
  /** Weight of the first dense feature (centred), the only main effect (default 0.3). */
  denseWeight?: number;
  /** Seed of the planted vectors (default 777): the same for train and test splits. */
  worldSeed?: number;
  /**
   * Dense features: 'log' log(1 + U(0, 50)) like preprocessed Criteo (mean ~2.9, all positive;
   * default), or 'standard' N(0, 1) as after standardisation.
   */
  dense?: 'log' | 'standard';
}

/**
 * An in-memory one-hot split whose labels come from planted PAIRWISE interactions only (plus one
 * small dense main effect): rows uniform in each table, logit = -0.5 + w (x_0 - 2.5 or x_0) +
 * sum over pairs scale * <z_a[row_a], z_b[row_b]> with z ~ N(0, 1 / latentDim) per row. A value alone
 * says almost nothing about the click (its mean effect over the other field is ~0), so an additive
 * model (logistic regression) cannot learn the signal; models with pairwise terms can.
 */
export function plantedInteractionSplit(numRows: number, tableSizes: readonly number[], seed: number, options: PlantedInteractionOptions = {}, numDense = 13): PreparedSplit {
  const pairs = options.pairs ?? [
    { a: 0, b: 1, scale: 2 },
    { a: 2, b: 3, scale: 1.5 },
  ];
  const K = options.latentDim ?? 2;
  const denseWeight = options.denseWeight ?? 0.3;
  const standard = options.dense === 'standard';
  const F = tableSizes.length;
  for (const p of pairs) if (p.a >= F || p.b >= F) throw new Error(`planted pair (${p.a}, ${p.b}) needs ${Math.max(p.a, p.b) + 1} tables, got ${F}`);
  const world = new Rng(options.worldSeed ?? 777);
  const latent = tableSizes.map((rows) => Float32Array.from({ length: rows * K }, () => world.normal(0, Math.sqrt(1 / K))));
  const rng = new Rng(seed);
  const dense = new Float32Array(numRows * numDense);
  const categorical = new Int32Array(numRows * F);
  const labels = new Uint8Array(numRows);
  const trueProbability = new Float32Array(numRows);
  for (let n = 0; n < numRows; n++) {
    for (let i = 0; i < numDense; i++) dense[n * numDense + i] = standard ? rng.normal() : Math.log1p(rng.uniform() * 50);
    for (let f = 0; f < F; f++) categorical[n * F + f] = rng.int(tableSizes[f]);
    let logit = -0.5 + denseWeight * (dense[n * numDense] - (standard ? 0 : 2.5));
    for (const { a, b, scale } of pairs) {
      const ra = categorical[n * F + a] * K;
      const rb = categorical[n * F + b] * K;
      let dot = 0;
      for (let k = 0; k < K; k++) dot += latent[a][ra + k] * latent[b][rb + k];
      logit += scale * dot;
    }
    const p = 1 / (1 + Math.exp(-logit));
    trueProbability[n] = p;
    labels[n] = rng.uniform() < p ? 1 : 0;
  }
  return { numRows, dense, categorical, labels, trueProbability };
}
