/**
 * Per-kernel times of the WebGPU DLRM step (not part of `npm test`): criteo-kaggle at one batch size,
 * the step timed end to end, then one profiled step with each kernel's time. For kernel work on
 * whatever adapter the machine has (llvmpipe here):
 *   STEP_BATCH=2048 STEP_SECONDS=10 npx vitest run --config vitest.bench.config.ts src-main/engine/train/bench.run.ts
 */
import { it } from 'vitest';
import { probeWebGpu } from '../backend';
import { architectureOf } from '../model/architecture';
import { presetModel } from '../model/presets';
import { Rng } from '../random/rng';
import { randomBatch } from './testing';
import { denseBlockingFor, GPU_BLOCKING } from '../gpu/dlrm-step/dense-layers';
import { navigatorGpu, requestTrainingDevice } from '../gpu/dlrm-step/device';
import { initialDlrmWeights } from '../gpu/dlrm-step/init';
import { GpuDlrmTrainer } from '../gpu/dlrm-step/step';

it('times the WebGPU step and each of its kernels', async () => {
  await probeWebGpu();
  const gpuObject = navigatorGpu();
  if (!gpuObject) throw new Error('no WebGPU adapter');
  const gpu = await requestTrainingDevice(gpuObject);
  const batchSize = Number(process.env.STEP_BATCH ?? 2048);
  const seconds = Number(process.env.STEP_SECONDS ?? 10);
  const rows = 100_000;
  const tableSizes = Array.from({ length: 26 }, () => rows);
  const model = { ...presetModel(process.env.STEP_PRESET ?? 'criteo-kaggle'), hashSize: rows };
  const arch = architectureOf(model);
  const optimizer = { dense: 'sgd' as const, sparse: 'sgd' as const, learningRate: 0.1, warmupSteps: 0, decay: 'none' as const };
  const rng = new Rng(42);
  const batches = Array.from({ length: 4 }, () => randomBatch(rng, { batchSize, numDense: 13, tableSizes, skew: 3 }));
  const trainer = await GpuDlrmTrainer.create(gpu.device, { arch, tableSizes, batchSize, optimizer, lossReadEvery: 4, blocking: process.env.STEP_BLOCKING === 'gpu' ? GPU_BLOCKING : denseBlockingFor(gpu) }, initialDlrmWeights(arch, tableSizes, 1));
  try {
    for (let i = 0; i < 3; i++) await trainer.step(batches[i % 4], 0.1);
    await trainer.takeLosses();
    let steps = 0;
    const start = performance.now();
    while ((performance.now() - start) / 1000 < seconds || steps < 5) {
      await trainer.step(batches[steps % 4], 0.1);
      steps++;
    }
    await trainer.takeLosses();
    const elapsed = (performance.now() - start) / 1000;
    console.log(`${gpu.name} (${JSON.stringify(trainer.blocking)}): batch ${batchSize}: ${steps} steps in ${elapsed.toFixed(1)} s = ${((steps * batchSize) / elapsed).toFixed(0)} samples/s`);
    if (gpu.timestamps) {
      for (let round = 0; round < 2; round++) {
        const kernels = await trainer.profileStep(batches[0], 0.1);
        const total = kernels.reduce((a, k) => a + k.ms, 0);
        console.log(`profiled step ${round + 1}: ${total.toFixed(1)} ms in ${kernels.length} kernels`);
        for (const k of kernels) console.log(`  ${k.name.padEnd(28)} ${k.ms.toFixed(2).padStart(8)} ms`);
      }
    }
  } finally {
    trainer.destroy();
  }
});
