import { describe, expect, it } from 'vitest';
import { matrixFactorisationCheck } from './matrix-factorisation';
import { DotInteractionTestModel } from './testing';
import { SeededRandom } from './random';

function twoFieldModel(options: { denseBias?: number[]; denseUserWeight?: number }): DotInteractionTestModel {
  const random = new SeededRandom(21);
  const D = 4;
  const users = Float32Array.from({ length: 30 * D }, () => random.gaussian());
  const items = Float32Array.from({ length: 40 * D }, () => random.gaussian());
  // V = 3: pair (item=2, user=1) has weight 1.5; pair (user=1, dense=0) as given.
  const pairWeights = new Float32Array(9);
  pairWeights[2 * 3 + 1] = 1.5;
  pairWeights[1 * 3 + 0] = options.denseUserWeight ?? 0;
  return new DotInteractionTestModel({
    tables: [users, items],
    embeddingDim: D,
    denseWeights: new Float32Array(13 * D),
    denseBias: options.denseBias ? Float32Array.from(options.denseBias) : undefined,
    pairWeights,
    bias: -0.7,
  });
}

const pairs = Array.from({ length: 25 }, (_, t) => ({ user: (t * 7) % 30, item: (t * 11) % 40 }));

describe('matrixFactorisationCheck', () => {
  it('shows logit = w <u, i> + b for a two-field model without a dense vector', () => {
    const check = matrixFactorisationCheck(twoFieldModel({}), pairs);
    expect(check.slope).toBeCloseTo(1.5, 5);
    expect(check.intercept).toBeCloseTo(-0.7, 5);
    expect(check.maxResidual).toBeLessThan(1e-5);
    expect(check.rSquared).toBeCloseTo(1, 8);
    expect(check.pairs).toHaveLength(25);
  });

  it('reports a large residual when a non-zero dense vector also talks to the user', () => {
    const check = matrixFactorisationCheck(twoFieldModel({ denseBias: [1, -1, 0.5, 2], denseUserWeight: 1 }), pairs);
    expect(check.maxResidual).toBeGreaterThan(0.5);
    expect(check.rSquared).toBeLessThan(0.95);
  });
});
