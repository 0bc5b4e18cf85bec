import { describe, expect, it } from 'vitest';
import { runAntidoteExperiment } from './antidote-experiment';

describe('antidote data on the simulator log (Rastegarpanah, Gummadi and Crovella 2019)', () => {
  it('lowers polarisation, more with a larger budget (monotone within 0.02 over seeds 1-3, and on average)', () => {
    const budgets = [0.01, 0.02, 0.05, 0.1];
    const ratios = [1, 2, 3].map((seed) => {
      const result = runAntidoteExperiment({ spec: { seed }, budgets });
      expect(result.points.map((p) => p.antidoteUsers)).toEqual([2, 4, 10, 20]);
      return result.points.map((p) => p.after.polarization / p.before.polarization);
    });
    for (const perSeed of ratios) {
      // every budget lowers it on every seed
      for (const ratio of perSeed) expect(ratio).toBeLessThan(1);
      // the largest budget lowers it at least 15%, and more than the smallest
      expect(perSeed[3]!).toBeLessThan(0.85);
      expect(perSeed[3]!).toBeLessThan(perSeed[0]!);
      for (let k = 1; k < budgets.length; k++) expect(perSeed[k]!).toBeLessThan(perSeed[k - 1]! + 0.02);
    }
    const mean = budgets.map((_, k) => ratios.reduce((sum, r) => sum + r[k]!, 0) / ratios.length);
    for (let k = 1; k < budgets.length; k++) expect(mean[k]!).toBeLessThan(mean[k - 1]!);
  }, 120_000);

  it('rejects a budget outside (0, 1], naming it', () => {
    expect(() => runAntidoteExperiment({ budgets: [0.1, 0] })).toThrow(/budgets\[1\]/);
  });
});
