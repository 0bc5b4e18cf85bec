/**
 * Collaborative filtering as CTR models on one user/item pair of categorical fields of a
 * Criteo-format dataset (engine/train/cf-ctr.ts), beside the trained models of a comparison.
 */
import type { MetricValues } from './metrics';
import type { StartRunInput } from './run-config';

export type CollaborativeCtrKind = 'user-knn' | 'item-knn' | 'als' | 'als-implicit';

export interface CollaborativeCtrInput {
  /** The comparison's run input: its dataset (and model.hashSize, the hashing) are what the CF models see. */
  base: StartRunInput;
  /** 0-based categorical features playing the user and the item (C1 is 0). */
  userField: number;
  itemField: number;
  /** Default: all four. */
  models?: CollaborativeCtrKind[];
}

export interface CollaborativeCtrRow {
  kind: CollaborativeCtrKind;
  name: string;
  /** True when the prediction estimates the click probability (log loss reported). */
  probability: boolean;
  /** auc always; logLoss and the other probability metrics only when probability is true. */
  test: MetricValues;
  fitSeconds: number;
}

export interface CollaborativeCtrResult {
  userField: number;
  itemField: number;
  trainRows: number;
  testRows: number;
  users: number;
  items: number;
  /** Distinct (user, item) pairs in training. */
  pairs: number;
  /** Share of test rows whose user and item both appear in training. */
  testCoverage: number;
  trainClickRate: number;
  rows: CollaborativeCtrRow[];
}
