/**
 * EmbeddingBag pooling modes beyond the sum: the same tables behind the EmbeddingTables interface,
 * with pool() and its backward changed, so the trainer (one or two threads) is unchanged.
 *
 * For a bag of rows r_1 .. r_n of table f:
 * - 'sum' (the default, and what the wrapped tables do): p = sum_k e(r_k); d e(r_k) += g.
 * - 'mean': p = (1/n) sum_k e(r_k); d e(r_k) += g / n. An empty bag pools to 0.
 * - 'max': p_d = max_k e(r_k)_d; the gradient of dimension d goes to the first row of the bag (in bag
 *   order) that attains the max: d e(r*_d)_d += g_d. An empty bag pools to 0 and gets no gradient.
 *   The backward finds the arg-max again from the tables, which the step has not yet updated when it
 *   asks (pool, loss and gradients, then the sparse update). Max pooling reads full float32 tables
 *   (EmbeddingBagCollection) only.
 *
 * Shapes: B batch, F tables, D dim.
 */
import type { PoolingMode } from '../../domain';
import type { JaggedIndices } from '../data/types';
import { EmbeddingBagCollection } from './embedding';
import type { EmbeddingTables, RowUpdater, SparseRowGradient } from './embedding-tables';

/** The tables with `mode` pooling ('sum' returns them unchanged). @throws for max over tables that are not full float32 ones. */
export function withPooling(tables: EmbeddingTables, mode: PoolingMode): EmbeddingTables {
  if (mode === 'sum') return tables;
  if (mode === 'max' && !(tables instanceof EmbeddingBagCollection)) {
    throw new Error('max pooling needs full float32 tables (leave compression / tablePrecision out, or pool by sum or mean)');
  }
  return new PooledTables(tables, mode);
}

class PooledTables implements EmbeddingTables {
  /** Scratch for the scaled gradient of mean pooling, [B, F, D]. */
  private scaled = new Float32Array(0);

  constructor(
    readonly base: EmbeddingTables,
    readonly mode: 'mean' | 'max',
  ) {}

  get numFeatures(): number {
    return this.base.numFeatures;
  }
  get dim(): number {
    return this.base.dim;
  }
  get tableSizes(): readonly number[] {
    return this.base.tableSizes;
  }
  get tableWidths(): readonly number[] {
    return this.base.tableWidths;
  }
  get tables(): Float32Array[] {
    return this.base.tables;
  }
  get storedBytes(): number {
    return this.base.storedBytes;
  }
  get paramCount(): number {
    return this.base.paramCount;
  }

  pool(sparse: JaggedIndices, out?: Float32Array): Float32Array {
    return this.poolRows(sparse, 0, sparse.batchSize, out);
  }

  poolRows(sparse: JaggedIndices, start: number, end: number, out?: Float32Array): Float32Array {
    if (this.mode === 'mean') {
      const pooled = this.base.poolRows(sparse, start, end, out);
      const { batchSize: B, numFeatures: F, offsets } = sparse;
      const D = this.dim;
      for (let b = start; b < end; b++) {
        for (let f = 0; f < F; f++) {
          const n = offsets[f * B + b + 1]! - offsets[f * B + b]!;
          if (n <= 1) continue;
          const o = ((b - start) * F + f) * D;
          for (let d = 0; d < D; d++) pooled[o + d] = pooled[o + d]! / n;
        }
      }
      return pooled;
    }
    return this.maxPool(sparse, start, end, out);
  }

  private maxPool(sparse: JaggedIndices, start: number, end: number, out?: Float32Array): Float32Array {
    const { batchSize: B, numFeatures: F, values, offsets } = sparse;
    const D = this.dim;
    if (F !== this.numFeatures) throw new Error(`batch has ${F} categorical features but the model has ${this.numFeatures} tables`);
    if (!(0 <= start && start <= end && end <= B)) throw new Error(`rows [${start}, ${end}) are outside a batch of ${B}`);
    const pooled = out ?? new Float32Array((end - start) * F * D);
    pooled.fill(0, 0, (end - start) * F * D);
    for (let f = 0; f < F; f++) {
      const table = this.base.tables[f]!;
      const rows = this.base.tableSizes[f]!;
      for (let b = start; b < end; b++) {
        const first = offsets[f * B + b]!;
        const last = offsets[f * B + b + 1]!;
        const o = ((b - start) * F + f) * D;
        for (let k = first; k < last; k++) {
          const row = values[k]!;
          if (row < 0 || row >= rows || !Number.isInteger(row)) {
            throw new Error(`feature ${f}, batch row ${b}: index ${row} is outside its table of ${rows} rows`);
          }
          const s = row * D;
          if (k === first) for (let d = 0; d < D; d++) pooled[o + d] = table[s + d]!;
          else for (let d = 0; d < D; d++) if (table[s + d]! > pooled[o + d]!) pooled[o + d] = table[s + d]!;
        }
      }
    }
    return pooled;
  }

  rowGradients(sparse: JaggedIndices, pooledGradient: Float32Array): SparseRowGradient[] {
    const result: SparseRowGradient[] = [];
    for (let f = 0; f < sparse.numFeatures; f++) result.push(this.rowGradientsOf(sparse, pooledGradient, f));
    return result;
  }

  rowGradientsOf(sparse: JaggedIndices, pooledGradient: Float32Array, f: number): SparseRowGradient {
    if (this.mode === 'mean') {
      // d e(r_k) = g / n: scale table f's slice of the gradient, then the sum backward
      const { batchSize: B, numFeatures: F, offsets } = sparse;
      const D = this.dim;
      if (this.scaled.length < pooledGradient.length) this.scaled = new Float32Array(pooledGradient.length);
      const scaled = this.scaled;
      for (let b = 0; b < B; b++) {
        const n = offsets[f * B + b + 1]! - offsets[f * B + b]!;
        const o = (b * F + f) * D;
        for (let d = 0; d < D; d++) scaled[o + d] = n > 1 ? pooledGradient[o + d]! / n : pooledGradient[o + d]!;
      }
      return this.base.rowGradientsOf(sparse, scaled.subarray(0, pooledGradient.length), f);
    }
    return this.maxRowGradients(sparse, pooledGradient, f);
  }

  /** Backward of max pooling for table f: each dimension's gradient to the row that attained the max. */
  private maxRowGradients(sparse: JaggedIndices, pooledGradient: Float32Array, f: number): SparseRowGradient {
    const { batchSize: B, numFeatures: F, values, offsets } = sparse;
    const D = this.dim;
    const table = this.base.tables[f]!;
    const slotOf = new Map<number, number>();
    const rows: number[] = [];
    let grads = new Float32Array(Math.max(1, offsets[f * B + B]! - offsets[f * B]!) * D);
    const winner = new Int32Array(D);
    for (let b = 0; b < B; b++) {
      const first = offsets[f * B + b]!;
      const last = offsets[f * B + b + 1]!;
      if (last === first) continue;
      // the first row of the bag attaining each dimension's max
      winner.fill(values[first]!);
      for (let d = 0; d < D; d++) {
        let best = table[values[first]! * D + d]!;
        for (let k = first + 1; k < last; k++) {
          const value = table[values[k]! * D + d]!;
          if (value > best) {
            best = value;
            winner[d] = values[k]!;
          }
        }
      }
      const g = (b * F + f) * D;
      for (let d = 0; d < D; d++) {
        const row = winner[d]!;
        let slot = slotOf.get(row);
        if (slot === undefined) {
          slot = rows.length;
          slotOf.set(row, slot);
          rows.push(row);
          if ((slot + 1) * D > grads.length) {
            const grown = new Float32Array(grads.length * 2);
            grown.set(grads);
            grads = grown;
          }
        }
        grads[slot * D + d]! += pooledGradient[g + d]!;
      }
    }
    return { rows: Int32Array.from(rows), values: grads.subarray(0, rows.length * D) };
  }

  applyRowGradients(gradients: readonly SparseRowGradient[], optimizer: RowUpdater, learningRate: number): void {
    this.base.applyRowGradients(gradients, optimizer, learningRate);
  }

  shareTables(): Float32Array[] {
    return this.base.shareTables();
  }

  featureMatrix(f: number): Float32Array {
    return this.base.featureMatrix(f);
  }
}
