import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend, listBackends } from './index';
import { createRequire } from 'node:module';
import { probeWebGpu } from './webgpu';

/** Whether a package is installed, checked here (not with the module under test's own resolver). */
const requireHere = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    requireHere.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}
const NODE_BACKENDS = [
  ['tensorflow', '@tensorflow/tfjs-node'],
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
] as const;

describe('backend selection', () => {
  it('lists every backend with a reason', async () => {
    const list = await listBackends();
    expect(list.map((b) => b.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
    expect(list.find((b) => b.name === 'cpu')?.available).toBe(true);
    expect(list.find((b) => b.name === 'wasm')?.available).toBe(true);
    for (const b of list) expect(b.detail.length).toBeGreaterThan(0);
    for (const [name, pkg] of NODE_BACKENDS) expect(list.find((b) => b.name === name)?.available, name).toBe(installed(pkg));
  });

  it('a forced tfjs-node backend is used when installed, and refused with the reason when not', async () => {
    for (const [name, pkg] of NODE_BACKENDS) {
      if (!installed(pkg)) {
        const reason = `backend "${name}" is not usable here: ${pkg} is not installed`;
        await expect(initBackend(name)).rejects.toThrow(reason);
      } else if (name === 'tensorflow') {
        expect((await initBackend(name)).name).toBe('tensorflow');
        expect(tf.getBackend()).toBe('tensorflow');
      } else {
        // tfjs-node-gpu installed: it runs, or says why it failed to load (no CUDA, ...)
        const outcome = await initBackend(name).then((info) => info.name as string, (e: Error) => e.message);
        expect(outcome === name || outcome.includes(`${pkg} failed to load`), outcome).toBe(true);
      }
    }
    await initBackend('cpu');
  });

  it('automatic selection skips software WebGPU and lands on wasm here; cpu can be forced', async () => {
    const gpu = await probeWebGpu();
    const chosen = await initBackend();
    if (!gpu.available || gpu.software) {
      if (!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu')) expect(chosen.name).toBe('wasm');
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
