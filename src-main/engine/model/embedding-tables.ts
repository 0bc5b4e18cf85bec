/**
 * What the trainer, the models and the checkpoints need from a collection of embedding tables,
 * whatever their storage: full float32 tables (EmbeddingBagCollection) or the memory-saving kinds of
 * compressed-embedding.ts (quotient-remainder, mixed dimensions, half-precision storage).
 *
 * Two views of the tables:
 * - per feature: T pooled vectors of width W a batch row (pool, featureMatrix);
 * - stored: the matrices actually held, which the sparse optimizer updates row by row (tables,
 *   tableSizes, tableWidths, rowGradients). For full tables the two coincide (one stored table per
 *   feature, W wide); a quotient-remainder feature stores two tables, a mixed-dimension one three.
 */
import type { JaggedIndices } from '../data/types';

/** Gradient of one stored table restricted to the rows a batch touched. */
export interface SparseRowGradient {
  /** Distinct rows touched, in first-seen order, [U]. */
  rows: Int32Array;
  /** Summed gradient of each row, row-major [U, width]. */
  values: Float32Array;
}

/** A sparse optimizer, as the tables see it (train/optimizers.ts implements it). */
export interface RowUpdater {
  /**
   * Updates the rows of stored table t that the gradient names.
   * @param packed when true, `table` holds only the gradient's rows, in its order ([U, width]); the
   *   optimizer's state is still indexed by gradient.rows.
   */
  apply(t: number, table: Float32Array, gradient: SparseRowGradient, learningRate: number, packed?: boolean): void;
}

export interface EmbeddingTables {
  /** T: pooled vectors per batch row (one per feature the model reads). */
  readonly numFeatures: number;
  /** W: width of a pooled vector. */
  readonly dim: number;
  /** Rows of each stored table. */
  readonly tableSizes: readonly number[];
  /** Width of each stored table. */
  readonly tableWidths: readonly number[];
  /** The stored tables as float32, row-major [tableSizes[t], tableWidths[t]] (copies when stored in half precision). */
  readonly tables: Float32Array[];
  /** Bytes the stored tables occupy. */
  readonly storedBytes: number;
  /** Parameters: every stored value. */
  readonly paramCount: number;
  /** Sum-pooled bags, [B, T, W]. @throws when an index is outside its table. */
  pool(sparse: JaggedIndices, out?: Float32Array): Float32Array;
  /** Sum-pooled bags of batch rows [start, end), [end - start, T, W]. */
  poolRows(sparse: JaggedIndices, start: number, end: number, out?: Float32Array): Float32Array;
  /** Backward of pool(): one gradient per stored table. @param pooledGradient [B, T, W]. */
  rowGradients(sparse: JaggedIndices, pooledGradient: Float32Array): SparseRowGradient[];
  /** rowGradients() of stored table t alone (two-thread training; full tables only). */
  rowGradientsOf(sparse: JaggedIndices, pooledGradient: Float32Array, t: number): SparseRowGradient;
  /** Applies rowGradients()' result with a sparse optimizer (in float32, stored back in the table's precision). */
  applyRowGradients(gradients: readonly SparseRowGradient[], optimizer: RowUpdater, learningRate: number): void;
  /** Moves the stored tables into shared memory for a second thread (full tables only). */
  shareTables(): Float32Array[];
  /** Feature f's vectors, one per value, [rows_f, W] (a copy for compressed kinds): what Explore projects. */
  featureMatrix(f: number): Float32Array;
}
