import { describe, expect, it } from 'vitest';
import { defaultEarlyStopChoice, describeBestAt, earlyStoppingFor } from './early-stopping';
import { quickStartRun } from './defaults';

describe('early stopping in the form', () => {
  it('is on by default above one epoch only, unless chosen on or off', () => {
    const auto = defaultEarlyStopChoice();
    expect(earlyStoppingFor(auto, 1)).toBeUndefined();
    expect(earlyStoppingFor(auto, 3)).toEqual({ metric: 'logLoss', patience: 3, minDelta: 0 });
    expect(earlyStoppingFor({ ...auto, mode: 'on', metric: 'auc' }, 1)).toEqual({ metric: 'auc', patience: 3, minDelta: 0 });
    expect(earlyStoppingFor({ ...auto, mode: 'off' }, 5)).toBeUndefined();
  });

  it('the first-launch run has early stopping exactly when it trains more than one epoch', () => {
    const run = quickStartRun([]);
    expect(run.train.earlyStopping !== undefined).toBe(run.train.epochs > 1);
  });

  it('says where the kept model came from', () => {
    expect(describeBestAt({ step: 1200, trainedSteps: 1800, totalSteps: 3000, stoppedEarly: true })).toBe('best at step 1,200 of 1,800 (stopped early; 3,000 planned)');
    expect(describeBestAt({ step: 3000, trainedSteps: 3000, totalSteps: 3000, stoppedEarly: false })).toBe('best at step 3,000 of 3,000');
  });
});
