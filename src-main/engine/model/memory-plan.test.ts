import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec, OptimizerSpec } from '../../domain';
import { Rng } from '../random/rng';
import { randomBatch } from '../train/testing';
import { ModelTrainer } from '../train/trainer';
import { HalfPrecisionBags } from './compressed-embedding';
import { CACHE_BYTES_PER_ROW, formatBytes, planMemory } from './memory-plan';
import { PRESETS } from './presets';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const machine = { totalBytes: 64 * 2 ** 30, freeBytes: 32 * 2 ** 30 };
const base: ModelSpec = { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-16-8', topMlp: '16-1', interaction: 'dot', hashSize: 1000 };
// tables of different sizes, as a vocabulary gives them
const featureTableSizes = Array.from({ length: 26 }, (_, f) => 50 + 37 * f);

const cases: [string, Partial<ModelSpec>, OptimizerSpec['dense'], OptimizerSpec['sparse']][] = [
  ['full, adam + row-wise adagrad', {}, 'adam', 'rowwise-adagrad'],
  ['full, adagrad + sgd', {}, 'adagrad', 'sgd'],
  ['qr', { compression: { kind: 'qr', remainderRows: 16, combine: 'product' } }, 'sgd', 'rowwise-adagrad'],
  ['mixed-dim', { compression: { kind: 'mixed-dim', hotShare: 0.1, coldDim: 3 } }, 'adam', 'rowwise-adagrad'],
  ['fp16', { tablePrecision: 'fp16' }, 'adam', 'rowwise-adagrad'],
  ['bf16', { tablePrecision: 'bf16' }, 'sgd', 'sgd'],
];

describe('planMemory', () => {
  it.each(cases)('%s: byte counts equal the typed arrays and tensors a constructed model allocates', (_name, extra, dense, sparse) => {
    const spec = { ...base, ...extra };
    const optimizer: OptimizerSpec = { dense, sparse, learningRate: 0.01, warmupSteps: 0, decay: 'none' };
    const plan = planMemory({ spec, optimizer, batchSize: 64, featureTableSizes, datasetRows: 10_000, residentRows: 10_000, machine });
    const trainer = new ModelTrainer({ model: spec, optimizer, train: { batchSize: 64, epochs: 1, evalEvery: 0, seed: 1, maxBadRowShare: 0.1, checkpointEvery: 0 }, tableSizes: featureTableSizes });
    const embeddings = trainer.model.embeddings;
    // measured: the stored arrays themselves (16-bit arrays for half precision)
    const stored = embeddings instanceof HalfPrecisionBags ? embeddings.stored : embeddings.tables;
    expect(plan.tableBytes).toBe(stored.reduce((n, t) => n + t.byteLength, 0));
    expect(plan.tables.map((t) => t.rows)).toEqual(featureTableSizes);
    expect(plan.tableOptimizerBytes).toBe(trainer.sparseOptimizer.state().reduce((n, s) => n + s.byteLength, 0));
    expect(plan.denseBytes).toBe(trainer.model.variables().reduce((n, v) => n + v.size * 4, 0));
    const denseState = trainer.denseOptimizer.state();
    // Adam's last state array is its step counter [t], not per-weight state
    const perWeight = dense === 'adam' ? denseState.slice(0, -1) : denseState;
    expect(plan.denseOptimizerBytes).toBe(perWeight.reduce((n, s) => n + s.byteLength, 0));
    // activations are an estimate; they at least hold the pooled rows and their gradient
    const batch = randomBatch(new Rng(1), { batchSize: 64, numDense: 13, tableSizes: featureTableSizes });
    expect(plan.activationBytes).toBeGreaterThanOrEqual(2 * embeddings.pool(batch.sparse).byteLength);
    expect(plan.cacheDiskBytes).toBe(10_000 * CACHE_BYTES_PER_ROW);
    expect(plan.totalBytes).toBe(
      plan.tableBytes + plan.tableOptimizerBytes + plan.tableScratchBytes + plan.denseBytes + plan.denseOptimizerBytes + plan.activationBytes + 10_000 * CACHE_BYTES_PER_ROW,
    );
    expect(plan.fits).toBe(true);
    trainer.dispose();
  });

  it('QR at m = sqrt(n) and fp16 store far fewer bytes than full tables', () => {
    const at = (extra: Partial<ModelSpec>) => planMemory({ spec: { ...base, ...extra }, batchSize: 1, datasetRows: null, residentRows: null, machine }).tableBytes;
    const full = at({});
    expect(at({ tablePrecision: 'fp16' })).toBe(full / 2);
    // 1000 rows: quotient 32 + remainder 32 = 64 rows instead of 1000
    expect(at({ compression: { kind: 'qr', remainderRows: 32, combine: 'sum' } })).toBe((full * 64) / 1000);
  });

  it('states the tables\' share: the criteo-kaggle preset at Kaggle cardinalities is almost all tables', () => {
    const kaggle = PRESETS.find((p) => p.name === 'criteo-kaggle')!.model;
    const plan = planMemory({
      spec: { ...kaggle, hashSize: 10_000_000 },
      optimizer: { dense: 'adagrad', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' },
      batchSize: 128,
      datasetRows: 45_840_617,
      residentRows: 65_536,
      machine,
    });
    expect(plan.tableBytes).toBe(26 * 10_000_000 * 16 * 4);
    expect(plan.tableShare).toBeGreaterThan(0.99);
  });

  it('refuses a plan that does not fit, with the numbers', () => {
    const plan = planMemory({ spec: { ...base, hashSize: 10_000_000, embeddingDim: 64, bottomMlp: '13-64' }, batchSize: 128, datasetRows: null, residentRows: null, machine: { totalBytes: 16 * 2 ** 30, freeBytes: 8 * 2 ** 30 } });
    expect(plan.fits).toBe(false);
    expect(plan.limits[0]).toMatchObject({ kind: 'ram', fits: false, limitBytes: 8 * 2 ** 30 });
    expect(plan.problems[0]).toContain(formatBytes(plan.totalBytes));
    expect(plan.problems[0]).toContain('8.0 GiB of 16.0 GiB is free');
    expect(plan.problems[0]).toContain("tables 62.0 GiB");
  });

  it('on the GPU path holds a step\'s largest buffer against the adapter limits, not a whole table (tables split over buffers)', () => {
    const gpuLimits = { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 };
    // one table of 5,000,000 x 8 x 4 = 160 MB, over the 128 MiB binding: the WebGPU step splits it, so it fits
    const bigTables = planMemory({ spec: { ...base, hashSize: 5_000_000 }, batchSize: 128, datasetRows: null, residentRows: null, machine, gpuLimits });
    expect(bigTables.limits.map((l) => [l.kind, l.fits])).toEqual([
      ['ram', true],
      ['gpu-buffer', true],
      ['gpu-binding', true],
    ]);
    // 27 vectors: the pairwise products [B, 27, 27] are the largest buffer, 2,916 bytes a row; at
    // batch 65,536 that is 191,102,976 bytes: under 2^28, over the 2^27 binding (at most 46,028 rows)
    const bigBatch = planMemory({ spec: base, batchSize: 65_536, datasetRows: null, residentRows: null, machine, gpuLimits });
    expect(bigBatch.limits.map((l) => [l.kind, l.neededBytes, l.fits])).toEqual([
      ['ram', bigBatch.totalBytes, true],
      ['gpu-buffer', 191_102_976, true],
      ['gpu-binding', 191_102_976, false],
    ]);
    expect(bigBatch.problems).toHaveLength(1);
    expect(bigBatch.problems[0]).toContain('pairwise products [65536, 27, 27]');
    expect(bigBatch.problems[0]).toContain('maxStorageBufferBindingSize');
    expect(bigBatch.problems[0]).toContain('use a batch of at most 46028');
    // compressed tables pool on the host: the same activation rule
    const qr = planMemory({ spec: { ...base, compression: { kind: 'qr', remainderRows: 16, combine: 'product' } }, batchSize: 65_536, datasetRows: null, residentRows: null, machine, gpuLimits });
    expect(qr.limits.find((l) => l.kind === 'gpu-binding')?.neededBytes).toBe(191_102_976);
  });

  it('throws on an invalid spec, naming the problem', () => {
    expect(() => planMemory({ spec: { ...base, compression: { kind: 'qr', remainderRows: 0, combine: 'sum' } }, batchSize: 1, datasetRows: null, residentRows: null, machine })).toThrow(/remainderRows/);
    expect(() => planMemory({ spec: base, batchSize: 0, datasetRows: null, residentRows: null, machine })).toThrow(/batch size/);
  });
});
