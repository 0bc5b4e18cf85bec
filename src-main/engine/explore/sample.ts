/**
 * Choosing which rows of an embedding table to project, and gathering them.
 *
 * Rows are chosen by how often their category value occurred in the training data: either the most
 * frequent rows (default; rare rows have barely trained embeddings, so they mostly add noise), or a
 * frequency-weighted random sample without replacement (Efraimidis-Spirakis keys u^(1/count)).
 */
import { SeededRandom } from './random';

/** Default point limits per projection method (TensorBoard's projector uses 50,000 / 10,000 / 5,000). */
export const DEFAULT_POINT_LIMITS = { pca: 50_000, tsne: 5_000, umap: 5_000 } as const;

export interface FrequencySampleOptions {
  /** 'most-frequent' (default, deterministic) or 'weighted' (random, probability grows with count). */
  mode?: 'most-frequent' | 'weighted';
  /** Seed of the weighted mode. Default 0. */
  seed?: number;
  /** Keep rows whose count is 0 (never seen in the data). Default false. */
  includeUnseen?: boolean;
}

/**
 * Chooses at most `limit` row ids of a table given each row's occurrence count.
 * @param counts [rows] occurrences of each row in the data.
 * @returns row ids, most frequent first (ties by ascending id), [min(limit, eligible rows)].
 */
export function sampleRowsByFrequency(
  counts: ArrayLike<number>,
  limit: number,
  options: FrequencySampleOptions = {},
): Int32Array {
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`limit must be a non-negative integer, got ${limit}`);
  const eligible: number[] = [];
  for (let row = 0; row < counts.length; row++) {
    if (counts[row] > 0 || (options.includeUnseen && counts[row] >= 0)) eligible.push(row);
  }
  const byCountThenId = (a: number, b: number): number => counts[b] - counts[a] || a - b;
  if (eligible.length <= limit) return Int32Array.from(eligible.sort(byCountThenId));

  if ((options.mode ?? 'most-frequent') === 'most-frequent') {
    return Int32Array.from(eligible.sort(byCountThenId).slice(0, limit));
  }
  // Weighted sampling without replacement: keep the `limit` largest keys log(u) / weight.
  // (Unseen rows get weight 0.5 so that they can still be drawn when asked for.)
  const random = new SeededRandom(options.seed ?? 0);
  const keys = new Float64Array(counts.length);
  for (const row of eligible) {
    let u = random.next();
    while (u === 0) u = random.next();
    keys[row] = Math.log(u) / Math.max(counts[row], 0.5);
  }
  const chosen = eligible.sort((a, b) => keys[b] - keys[a] || a - b).slice(0, limit);
  return Int32Array.from(chosen.sort(byCountThenId));
}

/**
 * Copies the given rows of a row-major table.
 * @param table [rows, D]. @returns [ids.length, D].
 */
export function gatherRows(table: Float32Array, dim: number, ids: ArrayLike<number>): Float32Array {
  const rows = table.length / dim;
  const out = new Float32Array(ids.length * dim);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= rows) throw new Error(`row id ${id} is outside the table (${rows} rows)`);
    out.set(table.subarray(id * dim, (id + 1) * dim), i * dim);
  }
  return out;
}
