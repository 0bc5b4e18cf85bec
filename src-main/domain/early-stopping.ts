/** Early stopping of a run on a validation metric, and where a run's kept model came from. */

/** The validation metric early stopping watches: log loss (lower is better) or AUC (higher). */
export type EarlyStopMetric = 'logLoss' | 'auc';

/**
 * Stop a run when its validation metric has not improved by more than `minDelta` for `patience`
 * evaluations in a row, and keep the model of the best evaluation (Keras' EarlyStopping with
 * restore_best_weights). Evaluations happen every `train.evalEvery` steps (at epoch ends when 0)
 * and once at the end.
 */
export interface EarlyStoppingSpec {
  metric: EarlyStopMetric;
  /** Evaluations without improvement before the run stops (>= 1). */
  patience: number;
  /** The least change of the metric that counts as an improvement (>= 0). */
  minDelta: number;
}

/** Where a run's final model and test metrics come from: "best at step N of M". */
export interface BestStepInfo {
  metric: EarlyStopMetric;
  /** The validation metric's value at the best step. */
  value: number;
  /** Step of the kept model. */
  step: number;
  /** Steps the run trained (M). */
  trainedSteps: number;
  /** Steps the run would have trained without early stopping. */
  totalSteps: number;
  /** Whether the run stopped before totalSteps. */
  stoppedEarly: boolean;
}
