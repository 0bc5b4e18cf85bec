import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionKind } from '../../domain';
import { Rng } from '../random/rng';
import { interact, interactionForward, pairLayout, stackVectors } from './interaction';
import { maxRelativeError, numericGradients } from './gradcheck.testutil';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('interaction forward (hand example)', () => {
  // V = 3 vectors of D = 2: x = [1, 2], e1 = [3, 4], e2 = [5, 6].
  // dots: (1,0) = 3 + 8 = 11, (2,0) = 5 + 12 = 17, (2,1) = 15 + 24 = 39,
  // self: (0,0) = 1 + 4 = 5, (1,1) = 9 + 16 = 25, (2,2) = 25 + 36 = 61.
  const vectors = stackVectors(Float32Array.of(1, 2), Float32Array.of(3, 4, 5, 6), 1, 2, 2);
  it('dot keeps x then the strict lower triangle in tril_indices order', () => {
    expect(Array.from(interactionForward(vectors, 1, pairLayout('dot', 3, 2)))).toEqual([1, 2, 11, 17, 39]);
  });
  it('dot-self adds the diagonal in tril_indices(offset=0) order', () => {
    expect(Array.from(interactionForward(vectors, 1, pairLayout('dot-self', 3, 2)))).toEqual([1, 2, 5, 11, 25, 17, 39, 61]);
  });
  it('cat concatenates the vectors', () => {
    expect(Array.from(interactionForward(vectors, 1, pairLayout('cat', 3, 2)))).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('pairMask scales single pairs', () => {
    const mask = new Float32Array(9).fill(1);
    mask[2 * 3 + 1] = 0; // pair (2,1)
    mask[1 * 3 + 0] = 2; // pair (1,0)
    expect(Array.from(interactionForward(vectors, 1, pairLayout('dot', 3, 2), mask))).toEqual([1, 2, 22, 17, 0]);
  });
  it('widths of the reference configurations: 16 + 351, 128 + 378, 27 * 16', () => {
    expect(pairLayout('dot', 27, 16).outputWidth).toBe(367);
    expect(pairLayout('dot-self', 27, 128).outputWidth).toBe(506);
    expect(pairLayout('cat', 27, 16).outputWidth).toBe(432);
  });
});

describe('interaction gradient vs finite differences', () => {
  const B = 3;
  const F = 4;
  // D = 16 takes the register paths (pairDots16, symmetricTimes16), the others the general loops
  // (D = 6: four-wide sums plus a remainder)
  for (const [kind, D] of [['dot', 3], ['dot', 6], ['dot', 16], ['dot-self', 3], ['dot-self', 8], ['dot-self', 16], ['cat', 3]] as [InteractionKind, number][]) {
    it(`${kind}, D = ${D}`, () => {
      const rng = new Rng(7);
      const x = Float32Array.from({ length: B * D }, () => rng.normal());
      const emb = Float32Array.from({ length: B * F * D }, () => rng.normal());
      const width = pairLayout(kind, F + 1, D).outputWidth;
      const weights = Float32Array.from({ length: B * width }, () => rng.normal());
      const loss = (inputs: Float32Array[]) =>
        tf.tidy(() => {
          const out = interact(kind, tf.tensor2d(inputs[0], [B, D]), tf.tensor3d(inputs[1], [B, F, D]));
          return tf.sum(tf.mul(out, tf.tensor2d(weights, [B, width]))).dataSync()[0];
        });
      const analytic = tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(interact(kind, a as tf.Tensor2D, b as tf.Tensor3D), tf.tensor2d(weights, [B, width]))));
        return g([tf.tensor2d(x, [B, D]), tf.tensor3d(emb, [B, F, D])]).map((t) => Array.from(t.dataSync()));
      });
      const numeric = numericGradients(loss, [x, emb]);
      expect(maxRelativeError(analytic[0], numeric[0])).toBeLessThan(1e-2);
      expect(maxRelativeError(analytic[1], numeric[1])).toBeLessThan(1e-2);
    });
  }
});
