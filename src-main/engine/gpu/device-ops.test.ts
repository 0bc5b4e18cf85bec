/**
 * The device paths of interact() and dense() (tensor ops only, used on webgpu/tensorflow) against the
 * host paths (JS loops / 3-D _FusedMatMul, used on wasm/cpu), on the cpu backend: same values and
 * same gradients. The host paths are themselves checked against finite differences in ../model.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionKind } from '../../domain';
import { architectureOf, largestDeviceBuffer } from '../model/architecture';
import { dense, type DenseActivation } from '../model/dense';
import { presetModel } from '../model/presets';
import { deviceLimitProblem } from './device-step';
import { interact, pairLayout } from '../model/interaction';
import { Rng } from '../random/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('device interaction equals the host interaction', () => {
  const B = 5;
  const F = 6;
  for (const [kind, D] of [['dot', 4], ['dot', 3], ['dot-self', 8], ['cat', 3]] as [InteractionKind, number][]) {
    it(`${kind}, D = ${D}: values and gradients`, () => {
      const rng = new Rng(11);
      const x = Float32Array.from({ length: B * D }, () => rng.normal());
      const emb = Float32Array.from({ length: B * F * D }, () => rng.normal());
      const width = pairLayout(kind, F + 1, D).outputWidth;
      const weights = Float32Array.from({ length: B * width }, () => rng.normal());
      const run = (path: 'host' | 'device') =>
        tf.tidy(() => {
          const inputs = [tf.tensor2d(x, [B, D]), tf.tensor3d(emb, [B, F, D])];
          const out = Array.from(interact(kind, inputs[0] as tf.Tensor2D, inputs[1] as tf.Tensor3D, path).dataSync());
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(interact(kind, a as tf.Tensor2D, b as tf.Tensor3D, path), tf.tensor2d(weights, [B, width]))),
          );
          return { out, grads: g(inputs).map((t) => Array.from(t.dataSync())) };
        });
      const host = run('host');
      const device = run('device');
      expect(device.out.length).toBe(B * width);
      // float32 sums of D products in different orders: agree to a few ulps of values of size ~10
      expect(maxAbsDiff(device.out, host.out)).toBeLessThan(1e-5);
      expect(maxAbsDiff(device.grads[0], host.grads[0])).toBeLessThan(1e-4);
      expect(maxAbsDiff(device.grads[1], host.grads[1])).toBeLessThan(1e-4);
    });
  }

  it('the device path runs without leaking tensors', () => {
    // no tf.tidy around the call (it would free a leak too): inputs and gradients are disposed by hand
    const inputs = [tf.ones([2, 4]), tf.ones([2, 3, 4])];
    const before = tf.memory().numTensors;
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(interact('dot', a as tf.Tensor2D, b as tf.Tensor3D, 'device')));
    const grads = g(inputs);
    expect(grads).toHaveLength(2);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(inputs);
  });
});

describe('device dense layer equals the host dense layer', () => {
  const B = 7;
  const K = 6;
  const N = 5;
  for (const activation of ['relu', 'linear'] as DenseActivation[]) {
    it(`${activation}: values and gradients`, () => {
      const rng = new Rng(5);
      const x = Float32Array.from({ length: B * K }, () => rng.normal());
      const w = Float32Array.from({ length: K * N }, () => rng.normal());
      const b = Float32Array.from({ length: N }, () => rng.normal());
      const r = Float32Array.from({ length: B * N }, () => rng.normal());
      const run = (path: 'host' | 'device') =>
        tf.tidy(() => {
          const inputs = [tf.tensor2d(x, [B, K]), tf.tensor2d(w, [K, N]), tf.tensor1d(b)];
          const out = Array.from(dense(inputs[0] as tf.Tensor2D, inputs[1] as tf.Tensor2D, inputs[2] as tf.Tensor1D, activation, path).dataSync());
          const g = tf.grads((p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) =>
            tf.sum(tf.mul(dense(p as tf.Tensor2D, q as tf.Tensor2D, s as tf.Tensor1D, activation, path), tf.tensor2d(r, [B, N]))),
          );
          return { out, grads: g(inputs).map((t) => Array.from(t.dataSync())) };
        });
      const host = run('host');
      const device = run('device');
      if (activation === 'relu') expect(device.out.some((v) => v === 0)).toBe(true); // the mask is exercised
      expect(maxAbsDiff(device.out, host.out)).toBeLessThan(1e-5);
      for (let i = 0; i < 3; i++) expect(maxAbsDiff(device.grads[i], host.grads[i])).toBeLessThan(1e-5);
    });
  }
});

describe('device buffer limits', () => {
  // terabyte: F 26, D 128, V 27; per batch row the largest buffer is the interaction vectors
  // 27 * 128 floats = 13,824 bytes (pooled 26 * 128, products 27 * 27 and MLP widths <= 1024 are smaller).
  const terabyte = architectureOf(presetModel('terabyte'));
  const llvmpipeLimits = { maxStorageBufferBindingSize: 134_217_728, maxBufferSize: 4_294_967_295 };
  it('finds the largest buffer of a step', () => {
    expect(largestDeviceBuffer(terabyte, 16384)).toEqual({ bytes: 16384 * 13_824, what: 'interaction vectors [16384, 27, 128]' });
    // a device table of 100,000 x 128 floats (51.2 MB) is larger than the batch-2048 buffers (28.3 MB)
    expect(largestDeviceBuffer(terabyte, 2048, 100_000).bytes).toBe(100_000 * 128 * 4);
  });
  it('refuses a batch over the adapter binding limit, saying which batch fits', () => {
    // 16384 * 13,824 = 226,492,416 bytes, the binding size Dawn rejected on llvmpipe; 2^27 / 13,824 = 9709.0
    expect(deviceLimitProblem(terabyte, 16384, llvmpipeLimits)).toBe(
      'batch 16384 needs 216 MiB for interaction vectors [16384, 27, 128], but this WebGPU adapter binds at most 128 MiB per buffer: use a batch of at most 9709',
    );
    expect(deviceLimitProblem(terabyte, 9709, llvmpipeLimits)).toBeNull();
    expect(deviceLimitProblem(terabyte, 2048, {})).toBeNull();
  });
});
