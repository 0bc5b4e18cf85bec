import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend, listBackends } from './index';
import { tryResolve } from './optional-require';
import { probeWebGpu } from './webgpu';

describe('backend selection', () => {
  it('lists every backend with a reason', async () => {
    const list = await listBackends();
    expect(list.map((b) => b.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
    expect(list.find((b) => b.name === 'cpu')?.available).toBe(true);
    expect(list.find((b) => b.name === 'wasm')?.available).toBe(true);
    for (const b of list) expect(b.detail.length).toBeGreaterThan(0);
    const nodeInstalled = tryResolve('@tensorflow/tfjs-node/package.json') !== null;
    expect(list.find((b) => b.name === 'tensorflow')?.available).toBe(nodeInstalled);
  });

  it('a forced backend that cannot load gives a clear error', async () => {
    if (tryResolve('@tensorflow/tfjs-node/package.json') !== null) return; // installed on this machine: nothing to refuse
    await expect(initBackend('tensorflow')).rejects.toThrow(/backend "tensorflow" is not usable here: @tensorflow\/tfjs-node is not installed/);
  });

  it('automatic selection skips software WebGPU and lands on wasm here; cpu can be forced', async () => {
    const gpu = await probeWebGpu();
    const chosen = await initBackend();
    if (!gpu.available || gpu.software) {
      if (tryResolve('@tensorflow/tfjs-node/package.json') === null) expect(chosen.name).toBe('wasm');
    }
    expect(tf.getBackend()).toBe(chosen.name === 'tensorflow-gpu' ? 'tensorflow' : chosen.name);
    const product = tf.tidy(() => Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()));
    expect(product).toEqual([11]);
    const cpu = await initBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('forced webgpu either runs an op or explains why not', async () => {
    const gpu = await probeWebGpu();
    if (!gpu.available) {
      await expect(initBackend('webgpu')).rejects.toThrow(/backend "webgpu" is not usable here/);
      return;
    }
    const info = await initBackend('webgpu');
    // the run's detail names the adapter and how it was chosen, e.g. "webgpu: llvmpipe: Mesa 25.0.7 ... (software, forced)"
    expect(info.detail).toBe(`webgpu: ${gpu.adapter?.name} (${gpu.software ? 'software' : 'hardware'}, forced)`);
    // the probe reports the adapter's limits (what the UI shows), e.g. maxStorageBufferBindingSize
    expect(gpu.adapter?.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(gpu.detail).toContain(gpu.adapter?.name ?? '?');
    const sum = await tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]))).data();
    expect(Array.from(sum)).toEqual([4, 6]);
    await initBackend('cpu');
  });
});
