/**
 * GPU training benchmark: samples/s of DLRM presets on WebGPU (forced, so a software adapter is
 * measured too) and on the CPU path (wasm by default) in the same run, with the ratio. Random skewed
 * batches as in bench.ts; tables hashed to rowsPerTable rows.
 *
 * The WebGPU step written without tfjs (../gpu/dlrm-step) is measured first, on its own device, with
 * per-kernel times where the adapter has timestamp queries; then the TensorFlow.js WebGPU path.
 *
 * Each GPU configuration is measured with host tables (the product path) and, unless switched off,
 * with device-resident tables (the experiment in ../gpu/device-tables.ts).
 * Per GPU configuration it also reports where a step's time goes (host pooling / device work and the
 * read of loss and pooled gradient / host row updates), the cost of the pooled [B, F, D] upload plus
 * gradient download alone (the price of keeping the tables in host memory), and tf.memory() before
 * and after (tensors and GPU bytes, to show nothing grows per step).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, webGpuAdapter, type WebGpuAdapterInfo } from '../backend';
import type { Batch } from '../data/types';
import { deviceLimitProblem, emptyTimings, stepAsync, type StepTimings } from '../gpu/device-step';
import { DeviceTables } from '../gpu/device-tables';
import { navigatorGpu, requestTrainingDevice, type TrainingDevice } from '../gpu/dlrm-step/device';
import { denseBlockingFor, type DenseBlocking } from '../gpu/dlrm-step/dense-layers';
import { initialDlrmWeights } from '../gpu/dlrm-step/init';
import { GpuDlrmTrainer, type KernelTiming } from '../gpu/dlrm-step/step';
import type { TableStorage } from '../gpu/dlrm-step/table-storage';
import { architectureOf } from '../model/architecture';
import { presetModel } from '../model/presets';
import { Rng } from '../random/rng';
import { randomBatch } from './testing';
import { DlrmTrainer } from './trainer';

export interface GpuBenchOptions {
  /** Preset names (criteo-kaggle, terabyte, course). */
  presets: string[];
  batchSizes: number[];
  /** Timed seconds per configuration and backend (after warm-up). */
  seconds: number;
  /** Rows of each of the 26 tables (default 100,000, as the presets). */
  rowsPerTable?: number;
  /** The CPU path to compare with (default 'wasm'); false: GPU only. */
  cpuBackend?: 'wasm' | 'cpu' | false;
  /** At least this many timed steps (default 3). */
  minSteps?: number;
  /** Warm-up steps before timing (default 2; the first compiles the shaders). */
  warmupSteps?: number;
  /** Also measure the device-resident tables experiment (gpu/device-tables.ts; default true). */
  deviceTables?: boolean;
  /** Measure the WebGPU step without tfjs (gpu/dlrm-step; default true). */
  step?: boolean;
  /** The step's table sizes instead of rowsPerTable each (e.g. Criteo Kaggle's real ones; the step only). */
  stepTableSizes?: readonly number[];
  /** Measure the TensorFlow.js WebGPU path with host tables (default true). */
  tfjs?: boolean;
  /** The step's dense-kernel blocks (default: by adapter, denseBlockingFor). */
  blocking?: DenseBlocking;
  /** How the step stores its tables (default f32; fp16 / bf16 halve the table bytes). */
  tableStorage?: TableStorage;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

export interface Measured {
  steps: number;
  seconds: number;
  samplesPerSec: number;
}

export interface GpuMeasured extends Measured {
  /** Mean milliseconds per step in each phase (see StepTimings). */
  poolMs: number;
  deviceMs: number;
  updateMs: number;
  /** Upload of [B, F, D] floats and download of as many, alone, ms (median of 5). */
  transferMs: number;
  /** tf.memory() after warm-up and after the timed steps. */
  tensorsBefore: number;
  tensorsAfter: number;
  gpuBytesBefore: number;
  gpuBytesAfter: number;
}

/** The WebGPU step (gpu/dlrm-step) on one configuration. */
export interface StepMeasured extends Measured {
  /** Each kernel's time in one profiled step (null without timestamp queries). */
  kernels: KernelTiming[] | null;
  /** Live GPU buffers of the step after warm-up and after the timed steps. */
  buffersBefore: number;
  buffersAfter: number;
  /** Table chunk buffers (more than one when the tables pass the storage-binding size). */
  tableBuffers: number;
}

export interface GpuBenchRow {
  preset: string;
  batchSize: number;
  /** The WebGPU step written without tfjs (gpu/dlrm-step). */
  step: StepMeasured | null;
  stepError: string | null;
  /** step / tfjs host tables (gpu), and step / cpu. */
  stepOverTfjs: number | null;
  stepOverCpu: number | null;
  /** Host tables (the product path: stepAsync). */
  gpu: GpuMeasured | null;
  /** Why the GPU measurement is missing. */
  gpuError: string | null;
  /** Device-resident tables (experiment), with its own ratio to the CPU path. */
  gpuDeviceTables: GpuMeasured | null;
  gpuDeviceTablesError: string | null;
  deviceTablesRatio: number | null;
  cpu: Measured | null;
  cpuError: string | null;
  /** gpu.samplesPerSec / cpu.samplesPerSec. */
  ratio: number | null;
}

export interface GpuBenchResult {
  /** The run's backend detail, e.g. "webgpu: NVIDIA H100 80GB HBM3 (hardware, forced)". */
  gpuDetail: string;
  /** The step's device: adapter name and whether it takes timestamps. */
  stepDevice: string | null;
  adapter: WebGpuAdapterInfo | null;
  cpuDetail: string | null;
  rowsPerTable: number;
  rows: GpuBenchRow[];
}

function jobFor(preset: string, batchSize: number, rowsPerTable: number, tableSizes?: readonly number[]) {
  return {
    model: { ...presetModel(preset), hashSize: tableSizes ? Math.max(...tableSizes) : rowsPerTable },
    optimizer: { dense: 'sgd' as const, sparse: 'sgd' as const, learningRate: 0.1, warmupSteps: 0, decay: 'none' as const },
    train: { batchSize, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 1, checkpointEvery: 0 },
    tableSizes: tableSizes ? [...tableSizes] : Array.from({ length: 26 }, () => rowsPerTable),
  };
}

function batchesFor(batchSize: number, rowsPerTable: number, sizes?: readonly number[]): Batch[] {
  const rng = new Rng(42);
  const tableSizes = sizes ?? Array.from({ length: 26 }, () => rowsPerTable);
  // skewed ids (index = rows * u^3) so that duplicates occur inside a batch, as in bench.ts
  return Array.from({ length: 4 }, () => randomBatch(rng, { batchSize, numDense: 13, tableSizes, skew: 3 }));
}

function gpuBytes(): number {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return m.numBytesInGPU ?? m.numBytes;
}

/** Median ms of uploading `floats` values and reading as many back (the per-step host-table traffic). */
async function transferMs(floats: number): Promise<number> {
  const host = new Float32Array(floats);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    // the +0 makes a device-side copy, so the read really comes from the device
    const t = tf.tidy(() => tf.add(tf.tensor1d(host), 0));
    await t.data();
    t.dispose();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[2];
}

async function timeSteps(step: (batch: Batch) => Promise<number> | number, batches: Batch[], opts: { seconds: number; minSteps: number; warmupSteps: number }): Promise<Measured> {
  for (let i = 0; i < opts.warmupSteps; i++) await step(batches[i % batches.length]);
  let steps = 0;
  const start = performance.now();
  while ((performance.now() - start) / 1000 < opts.seconds || steps < opts.minSteps) {
    await step(batches[steps % batches.length]);
    steps++;
  }
  const seconds = (performance.now() - start) / 1000;
  return { steps, seconds, samplesPerSec: (steps * batches[0].size) / seconds };
}

/**
 * Samples/s of the WebGPU step: steps are enqueued for `seconds` (at least minSteps), then the time
 * runs until the device has finished them all (every loss read back).
 */
async function measureStep(
  gpu: TrainingDevice,
  preset: string,
  batchSize: number,
  rowsPerTable: number,
  timing: { seconds: number; minSteps: number; warmupSteps: number },
  tableSizes?: readonly number[],
  blocking?: DenseBlocking,
  tableStorage: TableStorage = 'f32',
): Promise<StepMeasured> {
  const job = jobFor(preset, batchSize, rowsPerTable, tableSizes);
  const arch = architectureOf(job.model);
  const batches = batchesFor(batchSize, rowsPerTable, tableSizes);
  const trainer = await GpuDlrmTrainer.create(
    gpu.device,
    { arch, tableSizes: job.tableSizes, batchSize, optimizer: job.optimizer, lossReadEvery: 4, blocking: blocking ?? denseBlockingFor(gpu), tableStorage },
    initialDlrmWeights(arch, job.tableSizes, job.train.seed),
  );
  try {
    for (let i = 0; i < timing.warmupSteps; i++) await trainer.step(batches[i % batches.length], 0.1);
    await trainer.takeLosses();
    const buffersBefore = trainer.bufferCounts().live;
    let steps = 0;
    const start = performance.now();
    while ((performance.now() - start) / 1000 < timing.seconds || steps < timing.minSteps) {
      await trainer.step(batches[steps % batches.length], 0.1);
      steps++;
    }
    await trainer.takeLosses();
    const seconds = (performance.now() - start) / 1000;
    const buffersAfter = trainer.bufferCounts().live;
    const kernels = gpu.timestamps ? await trainer.profileStep(batches[0], 0.1) : null;
    return { steps, seconds, samplesPerSec: (steps * batchSize) / seconds, kernels, buffersBefore, buffersAfter, tableBuffers: trainer.tables.chunks };
  } finally {
    trainer.destroy();
  }
}

/** "top.0.input-grad 12.3, ..." the slowest kernels first, and their total. */
export function describeKernels(kernels: readonly KernelTiming[], count = 8): string {
  const total = kernels.reduce((a, k) => a + k.ms, 0);
  const slowest = [...kernels].sort((a, b) => b.ms - a.ms).slice(0, count);
  return `${total.toFixed(2)} ms in ${kernels.length} kernels; slowest: ${slowest.map((k) => `${k.name} ${k.ms.toFixed(2)}`).join(', ')}`;
}

export async function runGpuBench(options: GpuBenchOptions): Promise<GpuBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rowsPerTable = options.rowsPerTable ?? 100_000;
  const timing = { seconds: options.seconds, minSteps: options.minSteps ?? 3, warmupSteps: options.warmupSteps ?? 2 };
  const rows: GpuBenchRow[] = [];
  for (const preset of options.presets) {
    presetModel(preset); // unknown names fail before any work
    for (const batchSize of options.batchSizes) {
      rows.push({
        preset,
        batchSize,
        step: null,
        stepError: null,
        stepOverTfjs: null,
        stepOverCpu: null,
        gpu: null,
        gpuError: null,
        gpuDeviceTables: null,
        gpuDeviceTablesError: null,
        deviceTablesRatio: null,
        cpu: null,
        cpuError: null,
        ratio: null,
      });
    }
  }

  const gpuBackend = await initBackend('webgpu');
  const adapter = await webGpuAdapter();
  log(`gpu: ${gpuBackend.detail}`);
  if (adapter) log(`adapter limits: ${JSON.stringify(adapter.limits)}`);
  const measureGpu = async (row: GpuBenchRow, variant: 'host tables' | 'device tables'): Promise<GpuMeasured> => {
    const job = jobFor(row.preset, row.batchSize, rowsPerTable);
    const problem = adapter ? deviceLimitProblem(architectureOf(job.model), row.batchSize, adapter.limits, variant === 'device tables' ? rowsPerTable : 0) : null;
    if (problem) throw new Error(problem);
    const batches = batchesFor(row.batchSize, rowsPerTable);
    const trainer = new DlrmTrainer(job);
    const deviceTables = variant === 'device tables' ? new DeviceTables(trainer) : null;
    try {
      const step = (b: Batch, t?: StepTimings) => (deviceTables ? deviceTables.step(b, 0.1, t) : stepAsync(trainer, b, 0.1, t));
      const timings = emptyTimings();
      for (let i = 0; i < timing.warmupSteps; i++) await step(batches[i % 4]);
      const tensorsBefore = tf.memory().numTensors;
      const gpuBytesBefore = gpuBytes();
      const measured = await timeSteps((b) => step(b, timings), batches, { ...timing, warmupSteps: 0 });
      const tensorsAfter = tf.memory().numTensors;
      const gpuBytesAfter = gpuBytes();
      const { numFeatures: F, embeddingDim: D } = trainer.model.arch;
      const transfer = deviceTables ? 0 : await transferMs(row.batchSize * F * D);
      const per = (ms: number) => ms / Math.max(timings.steps, 1);
      const result: GpuMeasured = {
        ...measured,
        poolMs: per(timings.poolMs),
        deviceMs: per(timings.deviceMs),
        updateMs: per(timings.updateMs),
        transferMs: transfer,
        tensorsBefore,
        tensorsAfter,
        gpuBytesBefore,
        gpuBytesAfter,
      };
      log(
        `gpu ${variant} ${row.preset} batch ${row.batchSize}: ${measured.steps} steps in ${measured.seconds.toFixed(1)} s = ` +
          `${measured.samplesPerSec.toFixed(0)} samples/s; per step: ${deviceTables ? 'host index work' : 'pool'} ${result.poolMs.toFixed(1)} ms, ` +
          `device+read ${result.deviceMs.toFixed(1)} ms, host updates ${result.updateMs.toFixed(1)} ms` +
          `${deviceTables ? '' : `; [B,F,D] up+down alone ${transfer.toFixed(1)} ms`}; tensors ${tensorsBefore}->${tensorsAfter}, GPU bytes ${gpuBytesBefore}->${gpuBytesAfter}`,
      );
      return result;
    } finally {
      deviceTables?.dispose();
      trainer.dispose();
    }
  };
  let stepDevice: string | null = null;
  if (options.step !== false) {
    let gpu: TrainingDevice | null = null;
    try {
      const g = navigatorGpu();
      if (!g) throw new Error('navigator.gpu is not installed');
      gpu = await requestTrainingDevice(g);
      stepDevice = `${gpu.name}${gpu.timestamps ? ' (timestamp queries)' : ' (no timestamp queries)'}`;
      log(`gpu step device: ${stepDevice}`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      for (const row of rows) row.stepError = `no device: ${error}`;
      log(`gpu step: no device: ${error}`);
    }
    for (const row of gpu ? rows : []) {
      try {
        row.step = await measureStep(gpu as TrainingDevice, row.preset, row.batchSize, rowsPerTable, timing, options.stepTableSizes, options.blocking, options.tableStorage);
        const m = row.step;
        log(
          `gpu step ${row.preset} batch ${row.batchSize}: ${m.steps} steps in ${m.seconds.toFixed(1)} s = ${m.samplesPerSec.toFixed(0)} samples/s; ` +
            `${m.tableBuffers} table buffer(s); live GPU buffers ${m.buffersBefore}->${m.buffersAfter}` +
            (m.kernels ? `; one step's kernels: ${describeKernels(m.kernels)}` : ''),
        );
      } catch (e) {
        row.stepError = e instanceof Error ? e.message : String(e);
        log(`gpu step ${row.preset} batch ${row.batchSize}: failed: ${row.stepError}`);
      }
    }
    gpu?.device.destroy();
  }
  for (const row of rows) {
    if (options.tfjs !== false) {
      try {
        row.gpu = await measureGpu(row, 'host tables');
        row.stepOverTfjs = row.step ? row.step.samplesPerSec / row.gpu.samplesPerSec : null;
        if (row.stepOverTfjs !== null) log(`gpu step / tfjs webgpu ${row.preset} batch ${row.batchSize}: ${row.stepOverTfjs.toFixed(2)}x`);
      } catch (e) {
        row.gpuError = e instanceof Error ? e.message : String(e);
        log(`gpu host tables ${row.preset} batch ${row.batchSize}: failed: ${row.gpuError}`);
      }
    }
    if (options.deviceTables !== false) {
      try {
        row.gpuDeviceTables = await measureGpu(row, 'device tables');
      } catch (e) {
        row.gpuDeviceTablesError = e instanceof Error ? e.message : String(e);
        log(`gpu device tables ${row.preset} batch ${row.batchSize}: failed: ${row.gpuDeviceTablesError}`);
      }
    }
  }

  let cpuDetail: string | null = null;
  if (options.cpuBackend !== false) {
    const cpuBackend = await initBackend(options.cpuBackend ?? 'wasm');
    cpuDetail = `${cpuBackend.name}: ${cpuBackend.detail}`;
    log(`cpu: ${cpuDetail}`);
    for (const row of rows) {
      const label = `${row.preset} batch ${row.batchSize}`;
      let trainer: DlrmTrainer | null = null;
      try {
        const batches = batchesFor(row.batchSize, rowsPerTable);
        trainer = new DlrmTrainer(jobFor(row.preset, row.batchSize, rowsPerTable));
        const active = trainer;
        // one warm-up step is enough on the CPU path (no shaders to compile)
        row.cpu = await timeSteps((b) => active.step(b, 0.1), batches, { ...timing, warmupSteps: Math.min(timing.warmupSteps, 1) });
        row.ratio = row.gpu ? row.gpu.samplesPerSec / row.cpu.samplesPerSec : null;
        row.deviceTablesRatio = row.gpuDeviceTables ? row.gpuDeviceTables.samplesPerSec / row.cpu.samplesPerSec : null;
        row.stepOverCpu = row.step ? row.step.samplesPerSec / row.cpu.samplesPerSec : null;
        log(
          `cpu ${label}: ${row.cpu.steps} steps in ${row.cpu.seconds.toFixed(1)} s = ${row.cpu.samplesPerSec.toFixed(0)} samples/s; ` +
            `gpu/cpu ${row.ratio?.toFixed(3) ?? 'n/a'} (host tables), ${row.deviceTablesRatio?.toFixed(3) ?? 'n/a'} (device tables), ` +
            `${row.stepOverCpu?.toFixed(3) ?? 'n/a'} (gpu step)`,
        );
      } catch (e) {
        row.cpuError = e instanceof Error ? e.message : String(e);
        log(`cpu ${label}: failed: ${row.cpuError}`);
      } finally {
        trainer?.dispose();
      }
    }
  }
  return { gpuDetail: gpuBackend.detail, stepDevice, adapter, cpuDetail, rowsPerTable, rows };
}
