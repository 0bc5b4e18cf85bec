/**
 * Embedding bag collection: F tables held in host memory (Float32Array, row-major [rows, D]) outside
 * the gradient tape. The forward pass sum-pools each bag of rows; the backward pass turns the gradient
 * of the pooled vectors into per-table row gradients (duplicates accumulated), which a sparse optimizer
 * applies row by row. This is what makes training fast: a dense gradient of a 100,000-row table per
 * step would cost more than the whole model.
 */
import type { JaggedIndices } from '../data/types';
import type { Rng } from '../random/rng';
import type { EmbeddingTables, RowUpdater, SparseRowGradient } from './embedding-tables';

export type { SparseRowGradient } from './embedding-tables';

export class EmbeddingBagCollection implements EmbeddingTables {
  /** Table f, row-major [tableSizes[f], D]. */
  readonly tables: Float32Array[];
  /**
   * Scratch per table: slot of a row in the current gradient, -1 when untouched; reset after each
   * use. Made on a table's first backward (a thread that updates only some tables, or a model that is
   * only evaluated, never holds the others': 4 bytes a row).
   */
  private readonly slotOfRow: (Int32Array | null)[];

  constructor(
    readonly tableSizes: readonly number[],
    readonly dim: number,
    tables?: Float32Array[],
  ) {
    if (tables && tables.length !== tableSizes.length) {
      throw new Error(`got ${tables.length} tables for ${tableSizes.length} table sizes`);
    }
    this.tables = tableSizes.map((rows, f) => {
      if (!Number.isInteger(rows) || rows <= 0) throw new Error(`table ${f}: size must be a positive integer, got ${rows}`);
      // new tables start in shared memory, so a second training thread can use them without a copy
      const t = tables ? tables[f] : new Float32Array(new SharedArrayBuffer(rows * dim * 4));
      if (t.length !== rows * dim) throw new Error(`table ${f}: expected ${rows}x${dim} floats, got ${t.length}`);
      return t;
    });
    this.slotOfRow = tableSizes.map(() => null);
  }

  /** Reference initialisation: table f ~ U(-sqrt(1/n), sqrt(1/n)) with n its number of rows. */
  static initialized(tableSizes: readonly number[], dim: number, rng: Rng): EmbeddingBagCollection {
    const collection = new EmbeddingBagCollection(tableSizes, dim);
    collection.tables.forEach((table, f) => {
      const bound = Math.sqrt(1 / tableSizes[f]);
      for (let i = 0; i < table.length; i++) table[i] = rng.uniformIn(-bound, bound);
    });
    return collection;
  }

  get numFeatures(): number {
    return this.tableSizes.length;
  }

  /** Number of parameters (all rows of all tables). */
  get paramCount(): number {
    return this.tables.reduce((n, t) => n + t.length, 0);
  }

  /** Every table is D wide. */
  get tableWidths(): readonly number[] {
    return this.tableSizes.map(() => this.dim);
  }

  get storedBytes(): number {
    return this.tables.reduce((n, t) => n + t.byteLength, 0);
  }

  /** Table f itself (not a copy), [rows_f, D]. */
  featureMatrix(f: number): Float32Array {
    return this.tables[f];
  }

  applyRowGradients(gradients: readonly SparseRowGradient[], optimizer: RowUpdater, learningRate: number): void {
    gradients.forEach((g, f) => optimizer.apply(f, this.tables[f], g, learningRate));
  }

  /**
   * Sum-pools each bag. An empty bag pools to zeros.
   * @returns pooled embeddings, row-major [B, F, D].
   * @throws when an index is outside its table.
   */
  pool(sparse: JaggedIndices, out?: Float32Array): Float32Array {
    return this.poolRows(sparse, 0, sparse.batchSize, out);
  }

  /**
   * Sum-pools the bags of batch rows [start, end) only (how a data-parallel thread pools its share).
   * @returns pooled embeddings of those rows, row-major [end - start, F, D].
   * @throws when an index is outside its table.
   */
  poolRows(sparse: JaggedIndices, start: number, end: number, out?: Float32Array): Float32Array {
    const { batchSize: B, numFeatures: F, values, offsets } = sparse;
    const D = this.dim;
    if (F !== this.tables.length) throw new Error(`batch has ${F} categorical features but the model has ${this.tables.length} tables`);
    if (!(0 <= start && start <= end && end <= B)) throw new Error(`rows [${start}, ${end}) are outside a batch of ${B}`);
    const pooled = out ?? new Float32Array((end - start) * F * D);
    if (out) pooled.fill(0, 0, (end - start) * F * D);
    for (let f = 0; f < F; f++) {
      const table = this.tables[f];
      const rows = this.tableSizes[f];
      for (let b = start; b < end; b++) {
        const first = offsets[f * B + b];
        const last = offsets[f * B + b + 1];
        const o = ((b - start) * F + f) * D;
        for (let k = first; k < last; k++) {
          const row = values[k];
          if (row < 0 || row >= rows || !Number.isInteger(row)) {
            throw new Error(`feature ${f}, batch row ${b}: index ${row} is outside its table of ${rows} rows`);
          }
          const s = row * D;
          if (last - first === 1) {
            for (let d = 0; d < D; d++) pooled[o + d] = table[s + d];
          } else {
            for (let d = 0; d < D; d++) pooled[o + d] += table[s + d];
          }
        }
      }
    }
    return pooled;
  }

  /**
   * Backward of pool(): the gradient of every row used, summed over all bags that used it
   * (a row used twice in a batch, or twice in one bag, gets both contributions).
   * @param pooledGradient d loss / d pooled, row-major [B, F, D].
   * @returns one SparseRowGradient per table.
   */
  rowGradients(sparse: JaggedIndices, pooledGradient: Float32Array): SparseRowGradient[] {
    const result: SparseRowGradient[] = [];
    for (let f = 0; f < sparse.numFeatures; f++) result.push(this.rowGradientsOf(sparse, pooledGradient, f));
    return result;
  }

  /** rowGradients() of table f alone (threads that split the tables between them each take theirs). */
  rowGradientsOf(sparse: JaggedIndices, pooledGradient: Float32Array, f: number): SparseRowGradient {
    const { batchSize: B, numFeatures: F, values, offsets } = sparse;
    const D = this.dim;
    const slots = (this.slotOfRow[f] ??= new Int32Array(this.tableSizes[f]).fill(-1));
    const start = offsets[f * B];
    const end = offsets[f * B + B];
    const rows = new Int32Array(end - start);
    const grads = new Float32Array((end - start) * D);
    let unique = 0;
    for (let b = 0; b < B; b++) {
      const g = (b * F + f) * D;
      for (let k = offsets[f * B + b]; k < offsets[f * B + b + 1]; k++) {
        const row = values[k];
        let slot = slots[row];
        if (slot < 0) {
          slot = unique++;
          slots[row] = slot;
          rows[slot] = row;
        }
        const o = slot * D;
        for (let d = 0; d < D; d++) grads[o + d] += pooledGradient[g + d];
      }
    }
    for (let u = 0; u < unique; u++) slots[rows[u]] = -1;
    return { rows: rows.subarray(0, unique), values: grads.subarray(0, unique * D) };
  }

  /**
   * Moves every table into shared memory (a copy, once; tables already shared are kept), so that
   * another thread can pool from and update them in place.
   * @returns the tables, now backed by SharedArrayBuffers.
   */
  shareTables(): Float32Array[] {
    this.tables.forEach((t, f) => {
      this.tables[f] = toShared(t);
    });
    return this.tables;
  }
}

/** The same numbers backed by a SharedArrayBuffer (the array itself when it already is). */
export function toShared(values: Float32Array): Float32Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const shared = new Float32Array(new SharedArrayBuffer(values.byteLength));
  shared.set(values);
  return shared;
}
