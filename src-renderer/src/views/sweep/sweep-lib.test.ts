import { describe, expect, it } from 'vitest';
import type { SweepTrial } from '../../../../src-main/service/contract';
import { axisPosition, brushedTrials, makeAxis, parseParameterRow, settingImportance, sweepAxes } from './sweep-lib';

function trial(index: number, settings: SweepTrial['settings'], value: number | null, state: SweepTrial['state'] = 'finished'): SweepTrial {
  return { index, settings, state, runId: `r${index}`, runStatus: 'finished', rung: 0, completedRung: 0, value, bestStep: null, trainedSteps: null, test: {}, error: null };
}

describe('sweep page helpers', () => {
  it('reads parameter rows: values, log and integer ranges, and says what is wrong', () => {
    expect(parseParameterRow('learningRate', '0.1, 0.01,0.001')).toEqual({ setting: 'learningRate', values: [0.1, 0.01, 0.001] });
    expect(parseParameterRow('interaction', 'dot, cat')).toEqual({ setting: 'interaction', values: ['dot', 'cat'] });
    expect(parseParameterRow('learningRate', '0.0001..0.1 log')).toEqual({ setting: 'learningRate', range: { min: 0.0001, max: 0.1, scale: 'log' } });
    expect(parseParameterRow('embeddingDim', '4..32 int')).toEqual({ setting: 'embeddingDim', range: { min: 4, max: 32, scale: 'linear', integer: true } });
    expect(parseParameterRow('learningRate', '0..0.1 log')).toMatch(/min > 0/);
    expect(parseParameterRow('learningRate', '0.5..0.1')).toMatch(/min < max/);
    expect(parseParameterRow('batchSize', ' ')).toMatch(/give values/);
  });

  it('places values on log, linear and categorical axes', () => {
    const log = makeAxis('lr', 'lr', [0.001, 0.1, 0.01]);
    expect(log.log).toBe(true);
    expect(axisPosition(log, 0.01)).toBeCloseTo(0.5, 10);
    const linear = makeAxis('d', 'd', [8, 16, 24]);
    expect(linear.log).toBe(false);
    expect(axisPosition(linear, 12)).toBeCloseTo(0.25, 10);
    const cat = makeAxis('i', 'i', ['dot', 'cat', 'dot-self']);
    expect(axisPosition(cat, 'cat')).toBe(0.5);
    expect(axisPosition(cat, 'nope')).toBeNull();
  });

  it('brushing keeps the trials inside every brush; a missing value is outside', () => {
    const trials = [trial(0, { learningRate: 0.001 }, 0.70), trial(1, { learningRate: 0.01 }, 0.75), trial(2, { learningRate: 0.1 }, 0.72), trial(3, { learningRate: 0.1 }, null, 'failed')];
    const axes = sweepAxes(trials, 'auc');
    expect(axes.map((a) => a.key)).toEqual(['learningRate', 'value']);
    expect(brushedTrials(trials, axes, {})).toEqual(new Set([0, 1, 2, 3]));
    expect(brushedTrials(trials, axes, { learningRate: [0.4, 1] })).toEqual(new Set([1, 2, 3]));
    expect(brushedTrials(trials, axes, { learningRate: [0.4, 1], value: [0.5, 1] })).toEqual(new Set([1]));
  });

  it('importance: the correlation ratio is 1 for a setting that decides the metric, 0 for one that does not', () => {
    // the metric depends on dim only; interaction is balanced across it
    const trials = [
      trial(0, { embeddingDim: 8, interaction: 'dot' }, 0.70), trial(1, { embeddingDim: 8, interaction: 'cat' }, 0.70),
      trial(2, { embeddingDim: 16, interaction: 'dot' }, 0.80), trial(3, { embeddingDim: 16, interaction: 'cat' }, 0.80),
    ];
    const scores = settingImportance(trials);
    expect(scores.find((s) => s.setting === 'embeddingDim')!.share).toBeCloseTo(1, 10);
    expect(scores.find((s) => s.setting === 'interaction')!.share).toBeCloseTo(0, 10);
    // a random range is cut into rank quarters
    const many = Array.from({ length: 8 }, (_, i) => trial(i, { learningRate: 0.001 * (i + 1) }, i < 4 ? 0.6 : 0.8));
    const lr = settingImportance(many)[0]!;
    expect(lr.groups).toBe(4);
    expect(lr.share).toBeCloseTo(1, 10);
    // 4 trials, 4 distinct rates: two rank halves, never 4 one-trial groups (eta^2 = 1 by construction)
    const four = [trial(0, { learningRate: 0.001, interaction: 'a' }, 0.6), trial(1, { learningRate: 0.002, interaction: 'b' }, 0.8), trial(2, { learningRate: 0.003, interaction: 'c' }, 0.6), trial(3, { learningRate: 0.004, interaction: 'd' }, 0.8)];
    const [rate, kind] = settingImportance(four);
    expect(rate!.groups).toBe(2);
    expect(rate!.share).toBeCloseTo(0, 10);
    expect(kind!.share).toBeNull();
  });
});
