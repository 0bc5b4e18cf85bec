/** Looking inside a trained model: projections, neighbours, heatmaps, importance, recommendations. */
export type ProjectionMethod = 'pca' | 'tsne' | 'umap';

export interface ProjectionInput {
  runId: string;
  /** Table index 0..25 (C1..C26), or -1 for the bottom-MLP output of sampled rows. */
  table: number;
  method: ProjectionMethod;
  dims: 2 | 3;
  maxPoints: number;
  /** Restrict to these point ids (isolate + re-project). */
  subset?: number[];
  perplexity?: number;
  learningRate?: number;
  iterations?: number;
  neighbors?: number;
  minDist?: number;
  seed?: number;
}

export interface ProjectionPoint {
  /** Row of the table (or sample index for the bottom MLP). */
  id: number;
  coords: number[];
  /** Category value as it appeared in the data (hex), when known. */
  value: string | null;
  count: number;
  ctr: number | null;
  /** Planted latent group (synthetic data only). */
  group: number | null;
}

export interface ProjectionResult {
  runId: string;
  table: number;
  method: ProjectionMethod;
  dims: 2 | 3;
  points: ProjectionPoint[];
  /** PCA only: share of variance explained by each component. */
  explainedVariance: number[] | null;
  millis: number;
}

export interface NeighborsInput {
  runId: string;
  table: number;
  id: number;
  k: number;
  metric: 'cosine' | 'euclidean';
}

export interface Neighbor {
  id: number;
  distance: number;
  value: string | null;
  count: number;
}

export interface HeatmapInput {
  runId: string;
  /** Number of validation rows to average over. */
  sampleRows: number;
  /** A single row instead of the average (index in the validation split). */
  row?: number;
}

export interface HeatmapResult {
  runId: string;
  labels: string[];
  /** [27][27] mean dot product. */
  meanDot: number[][];
  /** [27][27] mean absolute dot product. */
  meanAbsDot: number[][];
  /** [27][27] mean gradient x input contribution to the logit. */
  contribution: number[][];
  rows: number;
  /** For a single row: its prediction and label. */
  prediction: number | null;
  label: number | null;
}

/** DCN's cross network: how strongly each cross layer reads each input feature. */
export interface CrossLayersResult {
  runId: string;
  /** I1..I13, C1..C26: the blocks of the cross network's input x0. */
  features: string[];
  /** [L][I + F] Euclidean norm of layer l's weight vector over feature f's block. */
  weightNorms: number[][];
  /** [L] norm of each layer's bias. */
  biasNorms: number[];
}

export interface FeatureImportanceInput {
  runId: string;
  sampleRows: number;
}

export interface FeatureImportance {
  feature: string;
  aucDrop: number;
  logLossIncrease: number;
}

export interface RecommendInput {
  runId: string;
  /** Row of the validation split used as context. */
  contextRow: number;
  /** Optional edits of the context: feature name -> raw value (dense number or category hex). */
  edits?: Record<string, string>;
  /** Categorical feature index (0..25) treated as the item. */
  itemFeature: number;
  k: number;
}

export interface Recommendation {
  itemRow: number;
  value: string | null;
  score: number;
  observedCtr: number | null;
  count: number;
  /** Interaction pairs that drive this score most, strongest first. */
  topPairs: { a: string; b: string; contribution: number }[];
}
