/**
 * The matrix-factorisation tie between ALS and a two-field DLRM, measured on one users x items
 * impression log (engine/train/mf-tie.ts).
 */

export interface MfTieInput {
  /** Seed of the simulated world and of both models (default 42). */
  seed?: number;
  /** D, factors of ALS and embedding dimension of the two-field DLRM (default 8). */
  factors?: number;
}

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
