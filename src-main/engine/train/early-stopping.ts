/**
 * The early-stopping decision as a pure function of the evaluations seen so far: no tensors, no
 * files. runTraining feeds it every validation evaluation and keeps the model of each improvement;
 * the state travels in checkpoints, so a resumed run stops at the same step as an uninterrupted one.
 */
import type { EarlyStoppingSpec } from '../../domain/early-stopping';
import type { MetricValues } from '../../domain';

/** JSON-serialisable state of the decision (stored in every checkpoint). */
export interface EarlyStopState {
  /** Best value of the watched metric so far, or null before the first finite one. */
  bestValue: number | null;
  /** Step of that evaluation. */
  bestStep: number | null;
  /** Evaluations since the best one. */
  evaluationsSinceBest: number;
}

export interface EarlyStopVerdict {
  state: EarlyStopState;
  /** This evaluation is the new best: keep its model. */
  improved: boolean;
  /** Patience is used up: stop training. */
  stop: boolean;
}

export function initialEarlyStopState(): EarlyStopState {
  return { bestValue: null, bestStep: null, evaluationsSinceBest: 0 };
}

/**
 * Folds one validation evaluation into the state. An improvement is a finite value better than the
 * best by more than minDelta (lower log loss, higher AUC); the first finite value always improves.
 * A missing or non-finite value counts as an evaluation without improvement.
 */
export function observeEvaluation(spec: EarlyStoppingSpec, state: EarlyStopState, step: number, metrics: MetricValues): EarlyStopVerdict {
  const value = metrics[spec.metric];
  const finite = typeof value === 'number' && Number.isFinite(value);
  let improved = false;
  if (finite) {
    if (state.bestValue === null) improved = true;
    else improved = spec.metric === 'auc' ? value > state.bestValue + spec.minDelta : value < state.bestValue - spec.minDelta;
  }
  const next: EarlyStopState = improved
    ? { bestValue: value as number, bestStep: step, evaluationsSinceBest: 0 }
    : { ...state, evaluationsSinceBest: state.evaluationsSinceBest + 1 };
  return { state: next, improved, stop: !improved && next.evaluationsSinceBest >= spec.patience };
}

