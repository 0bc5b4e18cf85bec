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
  it('measures webgpu (host and device tables) and the cpu path in one run', async () => {
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
