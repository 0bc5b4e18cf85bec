/** Metric values and series of runs. */
export interface MetricValues {
  logLoss?: number | null;
  auc?: number | null;
  accuracy?: number | null;
  normalizedEntropy?: number | null;
  meanPrediction?: number | null;
  observedCtr?: number | null;
  samplesPerSec?: number | null;
}

/** One metric series of one run. x values are parallel arrays. */
export interface MetricSeries {
  runId: string;
  /** e.g. 'train/loss', 'valid/auc', 'train/samples_per_sec'. */
  name: string;
  step: number[];
  samples: number[];
  /** Seconds since the run started. */
  wallTime: number[];
  value: (number | null)[];
}

export interface EvaluateResult {
  runId: string;
  rows: number;
  metrics: MetricValues;
}
