/**
 * Shared data types of the engine: the Criteo schema, preprocessed datasets and minibatches.
 *
 * Shape letters used throughout the engine:
 *   B = batch size, N = rows in a dataset, F = number of categorical features (26 for Criteo),
 *   I = number of dense (integer) features (13 for Criteo), D = embedding dimension.
 */

/** Number of dense integer features in a Criteo row (I1..I13). */
export const NUM_DENSE = 13;
/** Number of categorical features in a Criteo row (C1..C26). */
export const NUM_CATEGORICAL = 26;
/** Fields in a full Criteo row: label + dense + categorical. */
export const NUM_FIELDS = 1 + NUM_DENSE + NUM_CATEGORICAL;

/** Column names in Criteo order, as the CSV header spells them. */
export const DENSE_NAMES: readonly string[] = Array.from({ length: NUM_DENSE }, (_, i) => `I${i + 1}`);
export const CATEGORICAL_NAMES: readonly string[] = Array.from({ length: NUM_CATEGORICAL }, (_, i) => `C${i + 1}`);

/**
 * Sparse (categorical) input of a minibatch in the keyed-jagged layout TorchRec uses:
 * values are grouped feature by feature, then row by row. For feature f and row b the indices are
 * `values[offsets[f * B + b] .. offsets[f * B + b + 1])`. One-hot Criteo data has exactly one value per
 * (f, b); multi-hot (bags) is allowed and is sum-pooled by the model.
 */
export interface JaggedIndices {
  /** Number of features F. */
  numFeatures: number;
  /** Batch size B. */
  batchSize: number;
  /** Row indices into each feature's table, [nnz]. */
  values: Int32Array;
  /** [F * B + 1], non-decreasing, offsets[0] = 0, offsets[F * B] = nnz. */
  offsets: Int32Array;
}

/** One minibatch of preprocessed rows. */
export interface Batch {
  /** B. */
  size: number;
  /** Preprocessed dense features log(max(x, 0) + 1), row-major [B, I]. */
  dense: Float32Array;
  /** Categorical indices, already mapped into table rows. */
  sparse: JaggedIndices;
  /** Click labels 0/1, [B]. */
  labels: Float32Array;
}

/**
 * A preprocessed, one-hot dataset split held in memory, column blocks row-major.
 * (Large files are streamed into the binary cache and read back in chunks; see data/README.md.)
 */
export interface PreparedSplit {
  /** N. */
  numRows: number;
  /** [N, I] preprocessed dense features. */
  dense: Float32Array;
  /** [N, F] table row of each categorical feature. */
  categorical: Int32Array;
  /** [N] labels 0/1. */
  labels: Uint8Array;
  /** Optional planted click probability of each row (synthetic data only), [N]. */
  trueProbability?: Float32Array;
}

/** Where a bad row was found and why, for the parse report. */
export interface BadRowReport {
  file: string;
  /** 1-based line number. */
  line: number;
  /** Field name (label, I1..I13, C1..C26) or 'row' for field-count problems. */
  field: string;
  /** May quote the bad value (at most 24 bytes). */
  message: string;
  /** The same without any of the file's content (absent in cache entries written before it). */
  reason?: string;
}
