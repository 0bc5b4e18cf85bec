/** Hyper-parameter sweeps: a search over a run's settings whose trials are ordinary tracked runs. */
import type { EarlyStopMetric } from './early-stopping';
import type { MetricValues } from './metrics';
import type { RunStatus, StartRunInput } from './run-config';

/**
 * The run settings a sweep can vary. Each names one field of StartRunInput:
 * learningRate / sparseLearningRate / weightDecay / denseOptimizer / sparseOptimizer -> optimizer.*,
 * batchSize -> train.batchSize, embeddingDim / hashSize / bottomMlp / topMlp / interaction / modelKind
 * -> model.*, minCount -> dataset.categories (the vocabulary encoding with that minimum count).
 */
export type SweepSetting =
  | 'learningRate'
  | 'sparseLearningRate'
  | 'weightDecay'
  | 'denseOptimizer'
  | 'sparseOptimizer'
  | 'batchSize'
  | 'embeddingDim'
  | 'hashSize'
  | 'minCount'
  | 'bottomMlp'
  | 'topMlp'
  | 'interaction'
  | 'modelKind';

export type SweepValue = number | string;

/** One setting to search: a list of values, or (random and halving only) a numeric range. */
export interface SweepParameter {
  setting: SweepSetting;
  /** The values to try: every one for grid, drawn uniformly for random and halving. */
  values?: SweepValue[];
  /** A range drawn uniformly (scale 'log': uniformly in the logarithm); integer rounds the draw. */
  range?: { min: number; max: number; scale: 'linear' | 'log'; integer?: boolean };
}

/**
 * grid: every combination of the values; random: `trials` independent draws; halving: `trials`
 * draws trained by successive halving (all trials to 1/eta^(rungs-1) of the run, the best 1/eta of
 * them on to the next rung, ..., the last rung to the end).
 */
export type SweepStrategy = 'grid' | 'random' | 'halving';

export interface SweepSpec {
  name?: string;
  /** The run every trial starts from; the parameters overwrite its settings. */
  base: StartRunInput;
  parameters: SweepParameter[];
  strategy: SweepStrategy;
  /** random and halving: trials to draw; grid: the most combinations allowed. */
  trials: number;
  /** Seed of the draws (the runs keep base.train.seed, so trials differ only in their settings). */
  seed: number;
  /** The validation metric that ranks trials. */
  metric: EarlyStopMetric;
  /** halving: keep the best 1/eta at each rung (default 3). */
  eta?: number;
  /** halving: number of rungs, the last one training to the end (default 3). */
  rungs?: number;
}

/** A trial's place in the sweep. */
export type SweepTrialState = 'pending' | 'running' | 'paused' | 'pruned' | 'finished' | 'failed';

export interface SweepTrial {
  index: number;
  settings: Partial<Record<SweepSetting, SweepValue>>;
  state: SweepTrialState;
  runId: string | null;
  runStatus: RunStatus | null;
  /** Highest rung the trial was admitted to (0 for grid and random). */
  rung: number;
  /** Highest rung it completed, or -1. */
  completedRung: number;
  /** Best validation value of the ranking metric so far. */
  value: number | null;
  /** Step of that value, and the steps trained. */
  bestStep: number | null;
  trainedSteps: number | null;
  test: MetricValues;
  error: string | null;
}

export interface SweepSummary {
  id: string;
  name: string;
  status: RunStatus;
  strategy: SweepStrategy;
  metric: EarlyStopMetric;
  seed: number;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  trials: number;
  trialsDone: number;
  /** Index of the best trial by the ranking metric, when one has a value. */
  bestTrial: number | null;
  bestValue: number | null;
}

export interface SweepDetail extends SweepSummary {
  spec: SweepSpec;
  /** Training budget of each rung as a fraction of the full run ([1] for grid and random). */
  rungFractions: number[];
  trialList: SweepTrial[];
  error: string | null;
}
