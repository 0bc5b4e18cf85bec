/**
 * Issue #15 at the service: 'model.plan', the compression fields' validation (errors name the field)
 * and the refusal of a run that cannot fit, before anything is stored or started (no worker needed).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MemoryPlan, StartRunInput } from '../domain';
import { prepareDataset, readCriteoFile } from '../engine/data';
import { SAMPLES_DIR } from '../engine/data/testing';
import { openStore } from '../store';
import { StudioService } from './create';
import { ApiError } from './validate';

const root = mkdtempSync(join(tmpdir(), 'dlrm-memory-'));
const service = new StudioService(openStore(join(root, 'studio.sqlite')), { door: 'cli', workerDir: join(root, 'no-worker'), dataDir: root });

afterAll(async () => {
  await service.close();
  rmSync(root, { recursive: true, force: true });
});

const run: StartRunInput = {
  model: { kind: 'dlrm', embeddingDim: 16, bottomMlp: '13-16', topMlp: '8-1', interaction: 'dot', hashSize: 1000 },
  optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
  dataset: { kind: 'synthetic', rows: 2000, seed: 1 },
  train: { batchSize: 64, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0, checkpointEvery: 0, threads: 1, backend: 'wasm' },
};

async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('model.plan', () => {
  it('counts the tables of each kind and the synthetic rows', async () => {
    const full = (await service.call('model.plan', { model: run.model, optimizer: run.optimizer, batchSize: 64, dataset: run.dataset })) as MemoryPlan;
    expect(full.tableBytes).toBe(26 * 1000 * 16 * 4);
    expect(full.tableOptimizerBytes).toBe(26 * 1000 * 4);
    expect(full.cacheDiskBytes).toBe(2000 * 157);
    expect(full.machine.totalBytes).toBeGreaterThan(0);
    const qr = (await service.call('model.plan', { model: { ...run.model, compression: { kind: 'qr', remainderRows: 32, combine: 'product' } }, batchSize: 64 })) as MemoryPlan;
    // 1000 rows -> quotient 32 + remainder 32
    expect(qr.tableBytes).toBe(26 * 64 * 16 * 4);
    const half = (await service.call('model.plan', { model: { ...run.model, tablePrecision: 'fp16' }, batchSize: 64 })) as MemoryPlan;
    expect(half.tableBytes).toBe(full.tableBytes / 2);
  });

  it('gives hashing collisions when the features\' distinct values are given, and names a bad list', async () => {
    const without = (await service.call('model.plan', { model: run.model, batchSize: 64 })) as MemoryPlan;
    expect(without.hashCollisions).toBeUndefined();
    const kaggle = (await service.call('model.plan', { model: run.model, batchSize: 64, featureDistinctValues: 'criteo-kaggle' })) as MemoryPlan;
    // C9 has 3 distinct values in 1000 rows: few collide; C3's 10M values in 1000 rows: all do
    expect(kaggle.hashCollisions?.tables[8].collidingShare).toBeLessThan(0.01);
    expect(kaggle.hashCollisions?.tables[2].collidingShare).toBeCloseTo(1, 6);
    const error = await refusal(service.call('model.plan', { model: run.model, batchSize: 64, featureDistinctValues: [1, 2] }));
    expect(error.field).toMatch(/featureDistinctValues/);
  });
});

describe('model.plan with a prepared file', () => {
  it('takes hashing\'s distinct values from the cache when the file was prepared, else none (or Kaggle\'s when asked)', async () => {
    const sample = join(SAMPLES_DIR, 'pytorchfm_jqsl2012_criteo_train.txt');
    const path = join(root, 'prepared-sample.txt');
    copyFileSync(sample, path);
    const dataset = { kind: 'file' as const, path, split: 'days7' as const };
    const before = (await service.call('model.plan', { model: run.model, batchSize: 64, dataset })) as MemoryPlan;
    expect(before.hashCollisions).toBeUndefined();
    const fallback = (await service.call('model.plan', { model: run.model, batchSize: 64, dataset, featureDistinctValues: 'prepared-or-criteo-kaggle' })) as MemoryPlan;
    expect(fallback.hashCollisions?.distinctSource).toBe('criteo-kaggle');
    expect(fallback.hashCollisions?.tables[2].distinct).toBe(10_131_227);
    // prepared into the service's cache (as a run would), with another hash size than the plan's
    await prepareDataset(dataset, { cacheDir: join(root, 'cache'), hashSize: 77 });
    const sets = Array.from({ length: 26 }, () => new Set<number>());
    await readCriteoFile(path, (row) => row.categorical.forEach((v, f) => v >= 0 && sets[f].add(v)));
    for (const request of [{}, { featureDistinctValues: 'prepared-or-criteo-kaggle' }]) {
      const plan = (await service.call('model.plan', { model: run.model, batchSize: 64, dataset, ...request })) as MemoryPlan;
      expect(plan.hashCollisions?.distinctSource).toBe('prepared');
      expect(plan.hashCollisions?.tables.map((t) => t.distinct)).toEqual(sets.map((set) => set.size));
    }
    // asked for explicitly, Kaggle's counts still win; a vocabulary has no hashing collisions to plan
    const kaggle = (await service.call('model.plan', { model: run.model, batchSize: 64, dataset, featureDistinctValues: 'criteo-kaggle' })) as MemoryPlan;
    expect(kaggle.hashCollisions?.distinctSource).toBe('criteo-kaggle');
    const vocab = (await service.call('model.plan', { model: run.model, batchSize: 64, dataset: { ...dataset, categories: { encoding: 'vocab' } } })) as MemoryPlan;
    expect(vocab.hashCollisions).toBeUndefined();
    const error = await refusal(service.call('model.plan', { model: run.model, batchSize: 64, dataset, featureDistinctValues: 'prepared' }));
    expect(error.field).toMatch(/featureDistinctValues/);
  });
});

describe('runs.start refuses before any work', () => {
  it('a run that cannot fit in memory, with the numbers, and stores nothing', async () => {
    // 26 tables of 50,000,000 rows x 1024 floats: 5.3 TB, more than any machine this runs on
    const huge = { ...run, model: { ...run.model, embeddingDim: 1024, bottomMlp: '13-1024', hashSize: 50_000_000 } };
    const error = await refusal(service.call('runs.start', huge));
    expect(error.field).toBe('model');
    expect(error.message).toMatch(/cannot fit: the run needs 4\.\d TiB in memory \(tables 4\.\d TiB/);
    expect(error.message).toMatch(/is free/);
    expect(await service.call('runs.list', {})).toEqual([]);
  });

  it('compressed tables on the WebGPU path are planned, not refused (they pool on the host there)', async () => {
    const half = (await service.call('model.plan', { model: { ...run.model, tablePrecision: 'bf16' }, batchSize: 64, backend: 'webgpu' })) as MemoryPlan;
    const full = (await service.call('model.plan', { model: run.model, batchSize: 64, backend: 'webgpu' })) as MemoryPlan;
    expect(half.tableBytes * 2).toBe(full.tableBytes);
    expect(half.fits).toBe(true);
    // with an adapter (llvmpipe in CI) the step's largest buffer is held against its limits, the same for both
    const binding = (plan: MemoryPlan) => plan.limits.find((l) => l.kind === 'gpu-binding')?.neededBytes;
    expect(binding(half)).toBe(binding(full));
  });

  it('bad compression fields, naming the field', async () => {
    const bad = async (model: unknown, field: string) => {
      const error = await refusal(service.call('runs.start', { ...run, model }));
      expect(error.field).toBe(field);
    };
    await bad({ ...run.model, compression: { kind: 'qr', remainderRows: 1 } }, 'model.compression.remainderRows');
    await bad({ ...run.model, compression: { kind: 'qr', remainderRows: 8, combine: 'max' } }, 'model.compression.combine');
    await bad({ ...run.model, compression: { kind: 'lsh' } }, 'model.compression.kind');
    await bad({ ...run.model, compression: { kind: 'mixed-dim', hotShare: 0.1, coldDim: 16 } }, 'model.compression');
    await bad({ ...run.model, tablePrecision: 'fp8' }, 'model.tablePrecision');
    await bad({ ...run.model, kind: 'fm', bottomMlp: '', tablePrecision: 'fp16' }, 'model.tablePrecision');
    expect(await service.call('runs.list', {})).toEqual([]);
  });
});
