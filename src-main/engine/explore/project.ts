/**
 * One entry point for the projector: choose rows (sampled by frequency, or an isolated subset),
 * gather their vectors and project them with PCA, t-SNE or UMAP, reporting progress on the way.
 */
import type { Batch } from '../data/types';
import type { ExplainableModel } from './model-interface';
import { pca } from './pca';
import { DEFAULT_POINT_LIMITS, gatherRows, sampleRowsByFrequency } from './sample';
import { tsne } from './tsne';
import { umap } from './umap';

export type ProjectionMethodName = 'pca' | 'tsne' | 'umap';

export interface ProjectionOptions {
  method: ProjectionMethodName;
  dims: 2 | 3;
  /** t-SNE. */
  perplexity?: number;
  learningRate?: number;
  iterations?: number;
  /** UMAP. */
  neighbors?: number;
  minDist?: number;
  /** UMAP epochs (defaults to `iterations` when that is given). */
  epochs?: number;
  seed?: number;
  /** Live coordinates [N, dims] every few iterations/epochs (t-SNE, UMAP), and the share done 0..1. */
  onProgress?: (fraction: number, coords: Float32Array) => void;
  signal?: AbortSignal;
}

export interface ProjectedPoints {
  /** Row-major [N, dims]. */
  coords: Float32Array;
  /** PCA: share of variance of each of the first 10 components; null otherwise. */
  explainedVariance: number[] | null;
  millis: number;
}

/**
 * Projects N points of dimension D.
 * @param points row-major [N, D].
 */
export async function projectPoints(points: Float32Array, numPoints: number, dim: number, options: ProjectionOptions): Promise<ProjectedPoints> {
  const started = performance.now();
  const { dims, signal, onProgress } = options;
  if (options.method === 'pca') {
    signal?.throwIfAborted();
    const result = pca(points, numPoints, dim, { dims, seed: options.seed });
    onProgress?.(1, result.coords);
    return { coords: result.coords, explainedVariance: result.explainedVarianceRatio, millis: performance.now() - started };
  }
  if (options.method === 'tsne') {
    const iterations = options.iterations ?? 1000;
    const result = await tsne(points, numPoints, dim, {
      dims,
      perplexity: options.perplexity,
      learningRate: options.learningRate,
      iterations,
      seed: options.seed,
      signal,
      onIteration: onProgress ? (iteration, coords) => onProgress(iteration / iterations, coords) : undefined,
    });
    return { coords: result.coords, explainedVariance: null, millis: performance.now() - started };
  }
  const result = await umap(points, numPoints, dim, {
    dims,
    neighbors: options.neighbors,
    minDist: options.minDist,
    epochs: options.epochs ?? options.iterations,
    seed: options.seed,
    signal,
    onEpoch: onProgress ? (epoch, coords, totalEpochs) => onProgress(epoch / totalEpochs, coords) : undefined,
  });
  return { coords: result.coords, explainedVariance: null, millis: performance.now() - started };
}

export interface TableProjectionOptions extends ProjectionOptions {
  /** Most points to project; default by method (PCA 50,000, t-SNE and UMAP 5,000). */
  maxPoints?: number;
  /** Project exactly these rows instead of a frequency sample (isolate + re-project). */
  subset?: ArrayLike<number>;
}

export interface TableProjection extends ProjectedPoints {
  /** Table row of each projected point, [N]. */
  ids: Int32Array;
}

/**
 * Projects rows of embedding table `f`: the most frequent rows up to maxPoints (rows never seen are
 * left out), or the given subset.
 * @param counts [rows] occurrences of each row of the table in the data.
 */
export async function projectTable(
  model: ExplainableModel,
  f: number,
  counts: ArrayLike<number>,
  options: TableProjectionOptions,
): Promise<TableProjection> {
  const ids = options.subset
    ? Int32Array.from(options.subset)
    : sampleRowsByFrequency(counts, options.maxPoints ?? DEFAULT_POINT_LIMITS[options.method]);
  const D = model.embeddingDim;
  const points = gatherRows(model.table(f), D, ids);
  const projected = await projectPoints(points, ids.length, D, options);
  return { ...projected, ids };
}

/** Bottom-MLP outputs of the rows of a batch (vector 0 of the interaction), [B, D]: points to project. */
export function bottomOutputs(model: ExplainableModel, batch: Batch): Float32Array {
  const V = model.numFeatures + 1;
  const D = model.embeddingDim;
  const vectors = model.interactionVectors(batch);
  const out = new Float32Array(batch.size * D);
  for (let b = 0; b < batch.size; b++) out.set(vectors.subarray(b * V * D, b * V * D + D), b * D);
  return out;
}
