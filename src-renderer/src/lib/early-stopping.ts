/** The New run form's early-stopping choice, and the default every door shares: on above one epoch. */
import type { EarlyStopMetric, EarlyStoppingSpec } from '../../../src-main/service/contract';

export interface EarlyStopChoice {
  /** auto: on for runs of more than one epoch (the default); on / off: as chosen. */
  mode: 'auto' | 'on' | 'off';
  metric: EarlyStopMetric;
  /** Evaluations without improvement before stopping. */
  patience: number;
  minDelta: number;
}

export function defaultEarlyStopChoice(): EarlyStopChoice {
  return { mode: 'auto', metric: 'logLoss', patience: 3, minDelta: 0 };
}

/** The run's train.earlyStopping for this choice and epoch count (undefined: off). */
export function earlyStoppingFor(choice: EarlyStopChoice, epochs: number): EarlyStoppingSpec | undefined {
  const on = choice.mode === 'on' || (choice.mode === 'auto' && epochs > 1);
  return on ? { metric: choice.metric, patience: choice.patience, minDelta: choice.minDelta } : undefined;
}

/** "best at step 1,200 of 3,000 (stopped early)" for a run's kept model. */
export function describeBestAt(best: { step: number; trainedSteps: number; totalSteps: number; stoppedEarly: boolean }): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `best at step ${n(best.step)} of ${n(best.trainedSteps)}${best.stoppedEarly ? ` (stopped early; ${n(best.totalSteps)} planned)` : ''}`;
}
