/**
 * What the explore tools (heatmaps, importance, recommendations) need from a trained model, and
 * nothing more. Dlrm implements it; explore/ codes against this interface only.
 */
import type { Batch } from '../data/types';

export interface ExplainableModel {
  /** F. */
  readonly numFeatures: number;
  /** D. */
  readonly embeddingDim: number;
  readonly tableSizes: readonly number[];
  /** Table f as row-major [rows, D] (a view, do not mutate). */
  table(f: number): Float32Array;
  /** [B, V, D] interaction vectors: bottom-MLP output first, then the F pooled embeddings. */
  interactionVectors(batch: Batch): Float32Array;
  /**
   * Logits [B] computed from given interaction vectors [B, V, D] (lets callers zero pairs or features).
   * pairMask: [V * V] multiplier of each pair's dot, read at i * V + j for the pairs the model uses
   * (i > j, and i == j with dot-self); default all 1. Ignored by the 'cat' interaction.
   */
  logitsFromVectors(vectors: Float32Array, batchSize: number, pairMask?: Float32Array): Float32Array;
  /** d logit / d (dot of pair i,j) for each row: [B, V, V], filled at [b, i, j] for the pairs used (i > j, or i >= j with dot-self); 0 elsewhere. */
  pairGradients(batch: Batch): Float32Array;
  /** Click probabilities [B]. */
  predict(batch: Batch): Float32Array;
}
