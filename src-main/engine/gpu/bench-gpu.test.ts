/**
 * The GPU benchmark runs end to end on a tiny configuration (llvmpipe in CI): both table variants on
 * webgpu, the cpu path beside them, ratios, and flat tensor/GPU-byte counts. No timing assertions.
 * Like webgpu-agreement.test.ts it fails without a WebGPU adapter (DLRM_SKIP_WEBGPU=1 skips it outside CI).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend, probeWebGpu } from '../backend';
import { runGpuBench } from '../train/bench-gpu';

const probe = await probeWebGpu();
const skipAllowed = process.env.DLRM_SKIP_WEBGPU === '1' && !process.env.CI;

afterAll(async () => {
  await initBackend('cpu');
});

describe.skipIf(skipAllowed && !probe.available)('runGpuBench', () => {
  it('measures the webgpu step, tfjs webgpu (host and device tables) and the cpu path in one run', async () => {
    const lines: string[] = [];
    const result = await runGpuBench({
      presets: ['criteo-kaggle'],
      batchSizes: [32],
      seconds: 0,
      rowsPerTable: 500,
      minSteps: 2,
      warmupSteps: 2,
      cpuBackend: 'cpu',
      log: (line) => lines.push(line),
    });
    expect(result.gpuDetail).toMatch(/^webgpu: .+ \((software|hardware), forced\)$/);
    expect(result.adapter?.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(result.cpuDetail).toMatch(/^cpu: /);
    const [row] = result.rows;
    // the WebGPU step without tfjs: timed, no buffer made per step, ratios to the other paths
    expect(row.stepError).toBeNull();
    expect(row.step?.steps).toBe(2);
    expect(row.step?.samplesPerSec).toBeGreaterThan(0);
    expect(row.step?.buffersAfter).toBe(row.step?.buffersBefore);
    expect(row.step?.tableBuffers).toBe(1);
    if (result.stepDevice?.includes('(timestamp queries)')) {
      expect(row.step?.kernels?.map((k) => k.name)).toContain('pool.0');
      expect(row.step?.kernels?.every((k) => k.ms >= 0)).toBe(true);
    }
    expect(row.stepOverTfjs).toBeCloseTo((row.step?.samplesPerSec ?? 0) / (row.gpu?.samplesPerSec ?? 1), 10);
    expect(row.stepOverCpu).toBeCloseTo((row.step?.samplesPerSec ?? 0) / (row.cpu?.samplesPerSec ?? 1), 10);
    expect(lines.some((l) => l.startsWith('gpu step criteo-kaggle batch 32:'))).toBe(true);
    expect(row.gpuError).toBeNull();
    expect(row.gpuDeviceTablesError).toBeNull();
    for (const m of [row.gpu, row.gpuDeviceTables]) {
      expect(m?.steps).toBe(2);
      expect(m?.samplesPerSec).toBeGreaterThan(0);
      // nothing grows per step once warmed up
      expect(m?.tensorsAfter).toBe(m?.tensorsBefore);
      expect(m?.gpuBytesAfter).toBe(m?.gpuBytesBefore);
    }
    expect(row.cpu?.steps).toBeGreaterThanOrEqual(2);
    expect(row.ratio).toBeCloseTo((row.gpu?.samplesPerSec ?? 0) / (row.cpu?.samplesPerSec ?? 1), 10);
    expect(lines.some((l) => l.startsWith('gpu host tables criteo-kaggle batch 32:'))).toBe(true);
  });
});
