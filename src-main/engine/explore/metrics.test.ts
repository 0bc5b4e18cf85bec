import { describe, expect, it } from 'vitest';
import { logLoss, rocAuc } from './metrics';
import { SeededRandom } from './random';

/** Reference AUC by counting every (positive, negative) pair; ties count 1/2. */
function pairCountingAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (!labels[i]) return;
    scores.forEach((sn, j) => {
      if (labels[j]) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('rocAuc', () => {
  it('matches the textbook example and pair counting with many ties', () => {
    // sklearn's roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75.
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    const random = new SeededRandom(1);
    const scores = Array.from({ length: 300 }, () => Math.round(random.next() * 10) / 10); // 11 distinct values
    const labels = scores.map((s) => (random.next() < s ? 1 : 0));
    expect(rocAuc(scores, labels)).toBeCloseTo(pairCountingAuc(scores, labels), 12);
    expect(rocAuc([0.5, 0.5, 0.5], [0, 1, 1])).toBeCloseTo(0.5, 12);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });
});

describe('logLoss', () => {
  it('is the mean binary cross-entropy, clipped', () => {
    // -(ln 0.8 + ln(1 - 0.3)) / 2 = 0.2899092476...
    expect(logLoss([0.8, 0.3], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(1e-7), 6);
  });
});
