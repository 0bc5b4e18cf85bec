import { describe, expect, it } from 'vitest';
import { accuracy, auc, bernoulliEntropy, calibration, computeMetrics, logLoss, normalizedEntropy } from './metrics';

describe('metrics against hand-computed values', () => {
  it('AUC without ties', () => {
    // positives 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) -> 3/4
    expect(auc([0.9, 0.5, 0.4, 0.1], [1, 0, 1, 0])).toBe(0.75);
  });
  it('AUC with ties counts half (= rank averaging)', () => {
    // positives 0.5, 0.8; negatives 0.5, 0.2, 0.8.
    // pos 0.5: beats 0.2, ties 0.5, loses 0.8 -> 1 + 0.5 = 1.5; pos 0.8: beats 0.5, 0.2, ties 0.8 -> 2.5
    // AUC = 4 / 6. Rank check (average ranks): sorted 0.2(1) 0.5,0.5(2.5) 0.8,0.8(4.5):
    // positive rank sum 2.5 + 4.5 = 7; (7 - 2*3/2) / (2*3) = 4/6.
    expect(auc([0.5, 0.5, 0.2, 0.8, 0.8], [1, 0, 0, 1, 0])).toBeCloseTo(4 / 6, 12);
    // all equal: 0.5
    expect(auc([0.3, 0.3, 0.3], [1, 0, 1])).toBe(0.5);
  });
  it('AUC is null with one class', () => {
    expect(auc([0.1, 0.2], [1, 1])).toBeNull();
  });
  it('AUC matches the rank formula on random data with many ties', () => {
    let s = 1;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    const p = Array.from({ length: 500 }, () => Math.round(rnd() * 20) / 20);
    const y: number[] = p.map((v) => (rnd() < v ? 1 : 0));
    // rank formula with averaged ties
    const order = p.map((_, i) => i).sort((a, b) => p[a] - p[b]);
    const ranks = new Array<number>(p.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && p[order[j + 1]] === p[order[i]]) j++;
      for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    const npos = y.reduce((a, b) => a + b, 0);
    const nneg = y.length - npos;
    const rankSum = ranks.reduce((a, r, i) => a + (y[i] ? r : 0), 0);
    expect(auc(p, y)).toBeCloseTo((rankSum - (npos * (npos + 1)) / 2) / (npos * nneg), 12);
  });
  it('log loss, accuracy, calibration, normalized entropy', () => {
    const p = [0.8, 0.4, 0.1, 0.6];
    const y = [1, 1, 0, 0];
    // -(ln .8 + ln .4 + ln .9 + ln .4) / 4
    const ll = -(Math.log(0.8) + Math.log(0.4) + Math.log(0.9) + Math.log(0.4)) / 4;
    expect(logLoss(p, y)).toBeCloseTo(ll, 12);
    // 0.8 > .5 right, 0.4 wrong, 0.1 right, 0.6 wrong -> 0.5
    expect(accuracy(p, y)).toBe(0.5);
    expect(calibration(p, y)).toEqual({ meanPrediction: (0.8 + 0.4 + 0.1 + 0.6) / 4, observedCtr: 0.5 });
    // base rate 0.5: entropy ln 2
    expect(bernoulliEntropy(0.5)).toBeCloseTo(Math.LN2, 12);
    expect(normalizedEntropy(p, y)).toBeCloseTo(ll / Math.LN2, 12);
    // predicting the base rate everywhere gives NE 1
    expect(normalizedEntropy([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0])).toBeCloseTo(1, 12);
  });
  it('computeMetrics clips log(0) and reports nulls for one class', () => {
    const m = computeMetrics([1, 0], [0, 0]);
    // p = 1 for a negative: clipped to 1 - 1e-7 -> -ln(1e-7)/2 (+ tiny) ~ 8.06
    expect(m.logLoss).toBeCloseTo(-Math.log(1e-7) / 2, 3);
    expect(m.auc).toBeNull();
    expect(m.normalizedEntropy).toBeNull();
  });
});
