/**
 * WebGPU training agrees with the CPU path, and leaks nothing per step. CI runs this on Mesa's
 * software Vulkan driver (llvmpipe), so the configuration is tiny: 4 tables x 200 rows, d 8,
 * bottom 13-16-8, dot interaction (V = 5 -> 10 pairs, top input 18), top 16-1, batch 64,
 * 100 steps of SGD lr 0.1 on a planted split.
 *
 * The cpu side runs the host paths (JS interaction, 3-D _FusedMatMul dense, trainer.step);
 * the webgpu side runs the device paths (tensor-op interaction, 2-D fused matmuls, stepAsync).
 *
 * Without a WebGPU adapter this FAILS, saying how to install the driver. A developer without one can
 * set DLRM_SKIP_WEBGPU=1 to skip it visibly; under CI (CI set) that has no effect.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend, probeWebGpu, VULKAN_INSTALL_HINT } from '../backend';
import { splitBatchSource, type BatchSourceLike } from '../data/batch-source';
import { plantedSplit } from '../train/testing';
import { DlrmTrainer, type TrainJob } from '../train/trainer';
import { predictAllAsync, predictAsync, stepAsync } from './device-step';
import { DeviceTables } from './device-tables';
import { randomBatch } from '../train/testing';
import { Rng } from '../random/rng';

const STEPS = 100;
const BATCH = 64;
const TABLES = [200, 200, 200, 200];

const job: TrainJob = {
  model: { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-16-8', topMlp: '16-1', interaction: 'dot', hashSize: 200 },
  optimizer: { dense: 'sgd', sparse: 'sgd', learningRate: 0.1, warmupSteps: 0, decay: 'none' },
  train: { batchSize: BATCH, epochs: 1, evalEvery: 0, seed: 3, maxBadRowShare: 1, checkpointEvery: 0 },
  tableSizes: TABLES,
};

const split = plantedSplit(STEPS * BATCH, TABLES, 17);
const batches = [...splitBatchSource(split).batches(0, BATCH, job.train.seed)];
const evalSource: BatchSourceLike = splitBatchSource(plantedSplit(300, TABLES, 18));

const skipAllowed = process.env.DLRM_SKIP_WEBGPU === '1' && !process.env.CI;
const probe = await probeWebGpu();

async function cpuLosses(): Promise<{ losses: number[]; firstWeight: Float32Array; predictions: Float32Array }> {
  await initBackend('cpu');
  const trainer = new DlrmTrainer(job);
  const losses = batches.map((b) => trainer.step(b, 0.1));
  const firstWeight = (trainer.denseVariables()[0].dataSync() as Float32Array).slice();
  const { predictions } = trainer.predictAll(evalSource, 128);
  trainer.dispose();
  return { losses, firstWeight, predictions };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

afterAll(async () => {
  await initBackend('cpu');
});

describe.skipIf(skipAllowed && !probe.available)(`webgpu training (adapter: ${probe.detail})`, () => {
  it('has a WebGPU adapter', () => {
    if (!probe.available) {
      throw new Error(
        `WebGPU is not available here (${probe.detail}). CI installs Mesa's software Vulkan driver for this test` +
          `${probe.detail.includes(VULKAN_INSTALL_HINT) ? '' : `; to run it locally: ${VULKAN_INSTALL_HINT}`}. ` +
          'To skip it on a machine without Vulkan, set DLRM_SKIP_WEBGPU=1 (ignored under CI).',
      );
    }
    expect(probe.adapter?.name.length).toBeGreaterThan(0);
  });

  it(`gives the cpu path's losses over the first ${STEPS} steps`, async () => {
    expect(probe.available).toBe(true);
    const cpu = await cpuLosses();

    const info = await initBackend('webgpu');
    expect(info.detail).toMatch(/\((software|hardware), forced\)$/);
    const trainer = new DlrmTrainer(job);
    const gpuLosses: number[] = [];
    for (const b of batches) gpuLosses.push(await stepAsync(trainer, b, 0.1));
    const firstWeight = (await trainer.denseVariables()[0].data()) as Float32Array;
    const { predictions } = await predictAllAsync(trainer.model, evalSource, 128);
    trainer.dispose();

    expect(gpuLosses).toHaveLength(STEPS);
    // training happens: the mean loss of the last 10 steps is below that of the first 10
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(cpu.losses.slice(-10))).toBeLessThan(mean(cpu.losses.slice(0, 10)));
    // Tolerance: both sides are float32, but they sum matmul and dot products in different orders
    // (GPU tiles vs JS/XNNPACK loops) and WGSL's exp/log differ from Math's in the last bits, so
    // each step differs by ~1e-7 relative; SGD carries those differences along. Measured on
    // llvmpipe: max |loss difference| over 100 steps 1.2e-7 (losses ~0.6). 1e-4 leaves room for
    // other adapters and drivers while still catching real errors: dropping the G^T term of the
    // device interaction's backward (a half-wrong gradient) gave 6.6e-3 here.
    let maxDiff = 0;
    for (let i = 0; i < STEPS; i++) maxDiff = Math.max(maxDiff, Math.abs(gpuLosses[i] - cpu.losses[i]));
    console.log(`webgpu vs cpu: max |loss difference| over ${STEPS} steps = ${maxDiff.toExponential(2)} (${info.detail})`);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(maxAbsDiff(firstWeight, cpu.firstWeight)).toBeLessThan(1e-4);
    // evaluation on webgpu (awaited reads) gives the cpu predictions of the trained model
    expect(predictions).toHaveLength(300);
    expect(maxAbsDiff(predictions, cpu.predictions)).toBeLessThan(1e-4);
  });

  it('leaks no tensors and no GPU memory per step, training or predicting', async () => {
    expect(probe.available).toBe(true);
    await initBackend('webgpu');
    const trainer = new DlrmTrainer(job);
    const gpuBytes = () => (tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number }).numBytesInGPU ?? -1;
    // warm-up: the first steps create the backend's reusable buffers and compiled programs
    for (let i = 0; i < 5; i++) await stepAsync(trainer, batches[i], 0.1);
    await predictAsync(trainer.model, batches[0]);
    const tensors = tf.memory().numTensors;
    const bytes = gpuBytes();
    expect(bytes).toBeGreaterThan(0); // the webgpu backend reports its live buffer bytes
    for (let i = 5; i < 45; i++) {
      await stepAsync(trainer, batches[i], 0.1);
      if (i % 10 === 0) await predictAsync(trainer.model, batches[i]);
    }
    await predictAsync(trainer.model, batches[0]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(gpuBytes()).toBe(bytes);
    trainer.dispose();
  });

  it('device-resident tables (experiment) train like host tables, multi-hot bags and duplicates included', async () => {
    expect(probe.available).toBe(true);
    await initBackend('webgpu');
    const rng = new Rng(9);
    // bags of 0-3 rows, skewed ids: duplicates within a bag and across the batch, and empty bags
    const multiHot = Array.from({ length: 10 }, () => randomBatch(rng, { batchSize: 32, numDense: 13, tableSizes: TABLES, bagSize: [0, 3], skew: 3 }));
    const hostTrainer = new DlrmTrainer(job);
    const hostLosses: number[] = [];
    for (const b of multiHot) hostLosses.push(await stepAsync(hostTrainer, b, 0.1));
    const deviceTrainer = new DlrmTrainer(job);
    const tables = new DeviceTables(deviceTrainer);
    const deviceLosses: number[] = [];
    for (const b of multiHot) deviceLosses.push(await tables.step(b, 0.1));
    const deviceTableValues = await tables.read();
    expect(maxAbsDiff(deviceLosses, hostLosses)).toBeLessThan(1e-5);
    for (let f = 0; f < TABLES.length; f++) expect(maxAbsDiff(deviceTableValues[f], hostTrainer.model.table(f))).toBeLessThan(1e-5);
    // the host copy of the device trainer was not touched, so training really changed the tables
    expect(maxAbsDiff(deviceTableValues[0], deviceTrainer.model.table(0))).toBeGreaterThan(1e-4);
    tables.dispose();
    hostTrainer.dispose();
    deviceTrainer.dispose();
  });
});
