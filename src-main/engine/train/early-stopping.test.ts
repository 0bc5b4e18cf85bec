import { describe, expect, it } from 'vitest';
import type { EarlyStoppingSpec } from '../../domain/early-stopping';
import { initialEarlyStopState, observeEvaluation, type EarlyStopState } from './early-stopping';

/** Feeds a scripted series (one evaluation every 10 steps); returns where it stopped and the best. */
function replay(spec: EarlyStoppingSpec, series: (number | null)[]): { stoppedAt: number | null; best: EarlyStopState; kept: number[] } {
  let state = initialEarlyStopState();
  const kept: number[] = [];
  for (let i = 0; i < series.length; i++) {
    const step = (i + 1) * 10;
    const verdict = observeEvaluation(spec, state, step, { [spec.metric]: series[i] });
    state = verdict.state;
    if (verdict.improved) kept.push(step);
    if (verdict.stop) return { stoppedAt: step, best: state, kept };
  }
  return { stoppedAt: null, best: state, kept };
}

describe('early stopping decision', () => {
  it('stops after `patience` evaluations without a lower log loss and keeps the lowest', () => {
    const r = replay({ metric: 'logLoss', patience: 2, minDelta: 0 }, [0.6, 0.55, 0.5, 0.52, 0.51, 0.45, 0.4]);
    expect(r.stoppedAt).toBe(50);
    expect(r.best).toEqual({ bestValue: 0.5, bestStep: 30, evaluationsSinceBest: 2 });
    expect(r.kept).toEqual([10, 20, 30]);
  });

  it('watches AUC upwards', () => {
    const r = replay({ metric: 'auc', patience: 3, minDelta: 0 }, [0.6, 0.7, 0.69, 0.71, 0.70, 0.70, 0.70, 0.9]);
    expect(r.stoppedAt).toBe(70);
    expect(r.best.bestStep).toBe(40);
    expect(r.best.bestValue).toBe(0.71);
  });

  it('counts an improvement smaller than minDelta as none', () => {
    const r = replay({ metric: 'logLoss', patience: 2, minDelta: 0.01 }, [0.5, 0.495, 0.492, 0.3]);
    expect(r.stoppedAt).toBe(30);
    expect(r.best.bestStep).toBe(10);
    // without minDelta the same series keeps improving
    expect(replay({ metric: 'logLoss', patience: 2, minDelta: 0 }, [0.5, 0.495, 0.492, 0.3]).stoppedAt).toBeNull();
  });

  it('treats a missing or non-finite value as no improvement, and never as the best', () => {
    const r = replay({ metric: 'logLoss', patience: 2, minDelta: 0 }, [null, Number.NaN, 0.7]);
    expect(r.stoppedAt).toBe(20);
    expect(r.best.bestStep).toBeNull();
    const later = replay({ metric: 'logLoss', patience: 3, minDelta: 0 }, [null, 0.7, Number.POSITIVE_INFINITY, 0.69]);
    expect(later.best).toEqual({ bestValue: 0.69, bestStep: 40, evaluationsSinceBest: 0 });
  });

  it('runs to the end on a series that keeps improving', () => {
    expect(replay({ metric: 'auc', patience: 1, minDelta: 0 }, [0.5, 0.6, 0.7, 0.8]).stoppedAt).toBeNull();
  });
});
