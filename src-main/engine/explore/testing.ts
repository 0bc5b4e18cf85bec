/**
 * TEST FIXTURE (not used by the app): a tiny ExplainableModel with a closed form, for explore/'s
 * unit tests. No MLPs, no tfjs:
 *
 *   v_0 = dense_b W + denseBias                (the "bottom MLP": one linear map, W is [I, D])
 *   v_{f+1} = sum of the rows of table f in the example's bag
 *   logit = bias + sum over i > j of pairWeights[i*V + j] * pairMask[i*V + j] * <v_i, v_j>
 *
 * so d logit / d <v_i, v_j> = pairWeights[i*V + j] for i > j, 0 elsewhere.
 */
import type { Batch } from '../data/types';
import type { ExplainableModel } from './model-interface';
import { SeededRandom } from './random';

export interface DotTestModelSpec {
  /** F tables, each row-major [rows, D]. */
  tables: Float32Array[];
  /** D. */
  embeddingDim: number;
  /** [I, D]. */
  denseWeights: Float32Array;
  /** [D]; default zeros. */
  denseBias?: Float32Array;
  /** [V * V]; only the strict lower triangle (i > j) is used. */
  pairWeights: Float32Array;
  bias: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export class DotInteractionTestModel implements ExplainableModel {
  readonly numFeatures: number;
  readonly embeddingDim: number;
  readonly tableSizes: readonly number[];
  readonly numDense: number;

  constructor(readonly spec: DotTestModelSpec) {
    this.numFeatures = spec.tables.length;
    this.embeddingDim = spec.embeddingDim;
    this.tableSizes = spec.tables.map((t) => t.length / spec.embeddingDim);
    this.numDense = spec.denseWeights.length / spec.embeddingDim;
    const v = this.numFeatures + 1;
    if (spec.pairWeights.length !== v * v) throw new Error(`pairWeights must have ${v * v} entries`);
  }

  table(f: number): Float32Array {
    return this.spec.tables[f];
  }

  interactionVectors(batch: Batch): Float32Array {
    const D = this.embeddingDim;
    const V = this.numFeatures + 1;
    const B = batch.size;
    const out = new Float32Array(B * V * D);
    const { denseWeights, denseBias } = this.spec;
    for (let b = 0; b < B; b++) {
      for (let d = 0; d < D; d++) {
        let sum = denseBias ? denseBias[d] : 0;
        for (let i = 0; i < this.numDense; i++) sum += batch.dense[b * this.numDense + i] * denseWeights[i * D + d];
        out[(b * V) * D + d] = sum;
      }
      for (let f = 0; f < this.numFeatures; f++) {
        const slot = f * B + b;
        for (let t = batch.sparse.offsets[slot]; t < batch.sparse.offsets[slot + 1]; t++) {
          const row = batch.sparse.values[t];
          for (let d = 0; d < D; d++) out[(b * V + f + 1) * D + d] += this.spec.tables[f][row * D + d];
        }
      }
    }
    return out;
  }

  logitsFromVectors(vectors: Float32Array, batchSize: number, pairMask?: Float32Array): Float32Array {
    const D = this.embeddingDim;
    const V = this.numFeatures + 1;
    const logits = new Float32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      let logit = this.spec.bias;
      for (let i = 1; i < V; i++) {
        for (let j = 0; j < i; j++) {
          const weight = this.spec.pairWeights[i * V + j] * (pairMask ? pairMask[i * V + j] : 1);
          if (weight === 0) continue;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += vectors[(b * V + i) * D + d] * vectors[(b * V + j) * D + d];
          logit += weight * dot;
        }
      }
      logits[b] = logit;
    }
    return logits;
  }

  pairGradients(batch: Batch): Float32Array {
    const V = this.numFeatures + 1;
    const out = new Float32Array(batch.size * V * V);
    for (let b = 0; b < batch.size; b++) {
      for (let i = 1; i < V; i++) for (let j = 0; j < i; j++) out[b * V * V + i * V + j] = this.spec.pairWeights[i * V + j];
    }
    return out;
  }

  predict(batch: Batch): Float32Array {
    return this.logitsFromVectors(this.interactionVectors(batch), batch.size).map(sigmoid);
  }
}

export interface RandomDotTestModelOptions {
  numFeatures: number;
  embeddingDim: number;
  numDense: number;
  /** Rows of every table. */
  tableSize: number;
  seed: number;
  /** Pairs (i > j, vector indices: 0 dense, f + 1 for feature f) with a non-zero weight; default all. */
  usedPairs?: [number, number][];
  /** Scale of the pair weights. Default 1. */
  weightScale?: number;
  bias?: number;
}

/** A DotInteractionTestModel with N(0, 1/D)-ish tables and weights drawn from a seed. */
export function randomDotTestModel(options: RandomDotTestModelOptions): DotInteractionTestModel {
  const random = new SeededRandom(options.seed);
  const D = options.embeddingDim;
  const V = options.numFeatures + 1;
  const tables = Array.from({ length: options.numFeatures }, () =>
    Float32Array.from({ length: options.tableSize * D }, () => random.gaussian() / Math.sqrt(D) * 2),
  );
  const denseWeights = Float32Array.from({ length: options.numDense * D }, () => random.gaussian() / Math.sqrt(options.numDense));
  const pairWeights = new Float32Array(V * V);
  const pairs = options.usedPairs ?? Array.from({ length: V }, (_, i) => Array.from({ length: i }, (_, j) => [i, j] as [number, number])).flat();
  for (const [i, j] of pairs) {
    if (!(i > j && j >= 0 && i < V)) throw new Error(`pair (${i}, ${j}) is not in the strict lower triangle`);
    pairWeights[i * V + j] = random.gaussian() * (options.weightScale ?? 1);
  }
  return new DotInteractionTestModel({ tables, embeddingDim: D, denseWeights, pairWeights, bias: options.bias ?? 0 });
}

/** A random one-hot batch for a test model: dense N(0, 1), rows uniform, labels drawn from the model. */
export function randomBatch(model: DotInteractionTestModel, size: number, seed: number): Batch {
  const random = new SeededRandom(seed);
  const F = model.numFeatures;
  const dense = Float32Array.from({ length: size * model.numDense }, () => random.gaussian());
  const values = new Int32Array(F * size);
  const offsets = new Int32Array(F * size + 1);
  for (let f = 0; f < F; f++) {
    for (let b = 0; b < size; b++) {
      values[f * size + b] = random.nextInt(model.tableSizes[f]);
      offsets[f * size + b + 1] = f * size + b + 1;
    }
  }
  const batch: Batch = { size, dense, sparse: { numFeatures: F, batchSize: size, values, offsets }, labels: new Float32Array(size) };
  const probabilities = model.predict(batch);
  for (let b = 0; b < size; b++) batch.labels[b] = random.next() < probabilities[b] ? 1 : 0;
  return batch;
}
