/**
 * The matrix-factorisation tie between ALS and a two-field DLRM, measured on one users x items
 * impression log (engine/train/mf-tie.ts).
 */
import type { StartRunInput } from './run-config';

export interface MfTieInput {
  /** Seed of the simulated world and of both models (default 42; with `data`, the run's seed). */
  seed?: number;
  /** D, factors of ALS and embedding dimension of the two-field DLRM (default 8). */
  factors?: number;
  /**
   * Instead of the simulated log: a run's data (its dataset and hashing) with one categorical field
   * as the users and another as the items; its training split trains both models, the clicks of its
   * test split are held out.
   */
  data?: { base: StartRunInput; userField: number; itemField: number };
}

/** Most user x item cells the tie scores (the score matrices are dense). */
export const MF_TIE_MAX_CELLS = 4_000_000;

/** One (user, item) cell of the score matrices. */
export interface MfTiePoint {
  user: number;
  item: number;
  /** x_u . y_i of explicit ALS. */
  als: number;
  /** <u, i> of the DLRM's two embedding rows (bias columns left out). */
  dot: number;
  /** The DLRM's logit: <u, i> + b_u + b_i + b. */
  logit: number;
}

export interface MfTieResult {
  seed: number;
  /** Where the log came from: 'simulation', or the fields of a run's data, e.g. 'C1 x C2'. */
  source: string;
  /** U, N and the training impressions and clicks. */
  users: number;
  items: number;
  impressions: number;
  clicks: number;
  factors: number;
  /** Pearson correlation over all U x N cells: ALS score against DLRM dot product, and against the DLRM logit. */
  correlationDot: number;
  correlationLogit: number;
  /** Cut-off of the ranking metric (10). */
  k: number;
  /** Held-out NDCG@k of ALS, of the DLRM (ranked by logit) and of a random ranking. */
  ndcg: { als: number; dlrm: number; random: number };
  /** Users with held-out clicks (the NDCG average). */
  heldOutUsers: number;
  alsFitSeconds: number;
  dlrmFitSeconds: number;
  /** A seeded sample of cells for the scatter. */
  scatter: MfTiePoint[];
}
