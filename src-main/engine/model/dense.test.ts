import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, type DenseActivation } from './dense';
import { Rng } from '../random/rng';
import { maxRelativeError, numericGradients } from './gradcheck.testutil';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('dense layer with hand-written gradient', () => {
  const B = 3;
  const K = 4;
  const N = 5;
  it('forward matches x W + b by hand', () => {
    // x = [[1, 2]], W = [[1, -1], [0.5, -2]], b = [0.25, 1]:
    // xW + b = [1 + 1 + 0.25, -1 - 4 + 1] = [2.25, -4]; relu -> [2.25, 0]
    const out = tf.tidy(() =>
      Array.from(dense(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, -1], [0.5, -2]]), tf.tensor1d([0.25, 1]), 'relu').dataSync()),
    );
    expect(out).toEqual([2.25, 0]);
  });
  for (const activation of ['relu', 'linear'] as DenseActivation[]) {
    it(`${activation}: gradient matches finite differences and stock autograd`, () => {
      const rng = new Rng(3);
      const x = Float32Array.from({ length: B * K }, () => rng.normal());
      const w = Float32Array.from({ length: K * N }, () => rng.normal());
      const b = Float32Array.from({ length: N }, () => rng.normal());
      const r = Float32Array.from({ length: B * N }, () => rng.normal());
      const loss = (inp: Float32Array[]) =>
        tf.tidy(() =>
          tf.sum(tf.mul(dense(tf.tensor2d(inp[0], [B, K]), tf.tensor2d(inp[1], [K, N]), tf.tensor1d(inp[2]), activation), tf.tensor2d(r, [B, N]))).dataSync()[0],
        );
      const grads = (stock: boolean) =>
        tf.tidy(() => {
          const g = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
            const y = stock
              ? activation === 'relu'
                ? tf.relu(tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), d))
                : tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), d)
              : dense(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D, activation);
            return tf.sum(tf.mul(y, tf.tensor2d(r, [B, N])));
          });
          return g([tf.tensor2d(x, [B, K]), tf.tensor2d(w, [K, N]), tf.tensor1d(b)]).map((t) => Array.from(t.dataSync()));
        });
      const analytic = grads(false);
      const stock = grads(true);
      // eps small enough that no pre-activation crosses the ReLU kink for this seed
      const numeric = numericGradients(loss, [x, w, b], 1e-3);
      for (let i = 0; i < 3; i++) {
        expect(maxRelativeError(analytic[i], numeric[i])).toBeLessThan(1e-2);
        expect(maxRelativeError(analytic[i], stock[i])).toBeLessThan(1e-5);
      }
    });
  }
});
