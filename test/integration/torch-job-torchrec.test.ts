/**
 * The TorchRec per-day .npy copy in an exported job folder (engine/train/torch-job/torchrec-npy.ts):
 * NumPy (python3) loads every file, and shapes, dtypes and values are the app's rows, split into
 * training days and day 23 (valid, then test); the README carries the dlrm_main.py command line.
 * A model without Criteo's 13 dense and 26 categorical features gets no copy and a README that says why.
 *
 * Needs python3 with NumPy (Debian: apt-get install -y python3-numpy); without it this test FAILS.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSpec, TrainSpec } from '../../src-main/domain';
import { orderedBatches, splitBatchSource } from '../../src-main/engine/data/batch-source';
import type { Batch } from '../../src-main/engine/data/types';
import { initBackend } from '../../src-main/engine/backend';
import { plantedSplit } from '../../src-main/engine/train/testing';
import type { TrainJob } from '../../src-main/engine/train/trainer';
import { readJobConfig, writeTorchJob } from '../../src-main/engine/train/torch-job/job-folder';

const tableSizes = Array.from({ length: 26 }, (_, f) => 20 + f);
const model: ModelSpec = { kind: 'dlrm', embeddingDim: 4, bottomMlp: '13-8-4', topMlp: '16-1', interaction: 'dot', hashSize: 100 };
const train: TrainSpec = { batchSize: 100, epochs: 2, evalEvery: 0, seed: 5, maxBadRowShare: 0.1, checkpointEvery: 0 };
const job: TrainJob = { model, optimizer: { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.02, warmupSteps: 0, decay: 'none' }, train, tableSizes };

/** The rows of a sequence of batches as TorchRec's arrays: dense [N, 13], sparse [N, 26], labels [N]. */
function rowsOf(batches: Iterable<Batch>): { dense: number[]; sparse: number[]; labels: number[] } {
  const out = { dense: [] as number[], sparse: [] as number[], labels: [] as number[] };
  for (const batch of batches) {
    const B = batch.size;
    out.dense.push(...batch.dense);
    for (let b = 0; b < B; b++) {
      for (let f = 0; f < 26; f++) out.sparse.push(batch.sparse.values[batch.sparse.offsets[f * B + b]]);
      out.labels.push(batch.labels[b] > 0.5 ? 1 : 0);
    }
  }
  return out;
}

describe('TorchRec .npy layout of a job folder', () => {
  beforeAll(async () => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error('this test needs python3 with NumPy (apt-get install -y python3-numpy)');
    await initBackend('cpu');
  });

  it('writes day files NumPy reads back as the app rows, and the dlrm_main.py command', () => {
    const data = {
      train: splitBatchSource(plantedSplit(1_050, tableSizes, 1)),
      valid: splitBatchSource(plantedSplit(300, tableSizes, 2)),
      test: splitBatchSource(plantedSplit(200, tableSizes, 3)),
    };
    const dir = join(mkdtempSync(join(tmpdir(), 'dlrm-torchrec-')), 'job');
    const plan = { worldSize: 2, tableOwner: tableSizes.map((_, f) => f % 2) };
    // 400 rows a day: the 1,050 train rows (batches of 100) fill days 0 and 1 and half of day 2
    const { config } = writeTorchJob({ dir, job, data, plan, runId: null, runName: 'npy', dataset: { kind: 'synthetic', rows: 1_550, seed: 1 }, torchrec: { dayRows: 400 } });
    expect(config.torchrec).toMatchObject({ folder: 'torchrec', days: [{ day: 0, rows: 400 }, { day: 1, rows: 400 }, { day: 2, rows: 250 }, { day: 23, rows: 500 }] });
    expect(readJobConfig(dir).torchrec).toEqual(config.torchrec);

    // the expected arrays, from the same batches the export read: the app's first epoch, then valid and test in order
    const trainRows = rowsOf(data.train.batches(0, train.batchSize, train.seed));
    const evalRows = rowsOf([...orderedBatches(data.valid, 4096), ...orderedBatches(data.test, 4096)]);
    expect(trainRows.labels.length).toBe(1_050);
    const expectedDir = mkdtempSync(join(tmpdir(), 'dlrm-torchrec-expected-'));
    const save = (name: string, values: Float32Array | Int32Array) => writeFileSync(join(expectedDir, name), new Uint8Array(values.buffer));
    save('train_dense.f32', Float32Array.from(trainRows.dense));
    save('train_sparse.i32', Int32Array.from(trainRows.sparse));
    save('train_labels.i32', Int32Array.from(trainRows.labels));
    save('eval_dense.f32', Float32Array.from(evalRows.dense));
    save('eval_sparse.i32', Int32Array.from(evalRows.sparse));
    save('eval_labels.i32', Int32Array.from(evalRows.labels));
    // the labels are not all one class (a check that could fail on a constant column)
    expect(new Set(trainRows.labels).size).toBe(2);

    const check = `
import json, sys, numpy as np
d, e = sys.argv[1], sys.argv[2]
out = {}
for day in (0, 1, 2, 23):
    for kind in ("dense", "sparse", "labels"):
        a = np.load(f"{d}/day_{day}_{kind}.npy")
        out[f"{day}_{kind}"] = [str(a.dtype), list(a.shape)]
cat = lambda kind: np.concatenate([np.load(f"{d}/day_{k}_{kind}.npy") for k in (0, 1, 2)])
exp = lambda name, dt, cols: np.fromfile(f"{e}/{name}", dtype=dt).reshape(-1, cols)
out["train_dense_equal"] = bool(np.array_equal(cat("dense"), exp("train_dense.f32", "<f4", 13)))
out["train_sparse_equal"] = bool(np.array_equal(cat("sparse"), exp("train_sparse.i32", "<i4", 26)))
out["train_labels_equal"] = bool(np.array_equal(cat("labels"), exp("train_labels.i32", "<i4", 1)))
out["eval_dense_equal"] = bool(np.array_equal(np.load(f"{d}/day_23_dense.npy"), exp("eval_dense.f32", "<f4", 13)))
out["eval_sparse_equal"] = bool(np.array_equal(np.load(f"{d}/day_23_sparse.npy"), exp("eval_sparse.i32", "<i4", 26)))
out["eval_labels_equal"] = bool(np.array_equal(np.load(f"{d}/day_23_labels.npy"), exp("eval_labels.i32", "<i4", 1)))
sizes = np.array(json.loads(sys.argv[3]))
out["below_table_sizes"] = bool((np.load(f"{d}/day_0_sparse.npy") < sizes[None, :]).all())
print(json.dumps(out))
`;
    const run = spawnSync('python3', ['-c', check, join(dir, 'torchrec'), expectedDir, JSON.stringify(tableSizes)], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(seen['0_dense']).toEqual(['float32', [400, 13]]);
    expect(seen['0_sparse']).toEqual(['int32', [400, 26]]);
    expect(seen['0_labels']).toEqual(['int32', [400, 1]]);
    expect(seen['2_dense']).toEqual(['float32', [250, 13]]);
    expect(seen['23_sparse']).toEqual(['int32', [500, 26]]);
    expect(seen['23_labels']).toEqual(['int32', [500, 1]]);
    for (const key of ['train_dense_equal', 'train_sparse_equal', 'train_labels_equal', 'eval_dense_equal', 'eval_sparse_equal', 'eval_labels_equal', 'below_table_sizes']) expect(seen[key], key).toBe(true);

    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(`--num_embeddings_per_feature ${tableSizes.join(',')}`);
    expect(readme).toContain('--in_memory_binary_criteo_path <this folder>/torchrec');
    expect(readme).toContain('--dense_arch_layer_sizes 8,4');
    // the top MLP after its input: [355 (4 + 27 x 26 / 2), 16, 1] -> 16,1
    expect(config.architecture.topSizes).toEqual([355, 16, 1]);
    expect(readme).toMatch(/--over_arch_layer_sizes 16,1 \\\n/);
    expect(readme).toContain('--embedding_dim 4');
    expect(readme).toContain('--batch_size 50'); // the global batch of 100 over 2 ranks
    expect(readme).toContain('torchrun --standalone --nproc_per_node 2 dlrm_main.py');
    // 300 valid and 200 test rows: TorchRec's halves of day 23 (250/250) are not the app's splits, and the README says so
    expect(readme).toMatch(/the valid split has 300 rows and the test split 200/);
  });

  it('leaves the copy out for a model of another shape, and the README says why', () => {
    const sizes = [30, 20, 10];
    const small: TrainJob = { ...job, model: { ...model, bottomMlp: '13-8-4' }, tableSizes: sizes };
    const data = { train: splitBatchSource(plantedSplit(200, sizes, 1)) };
    const dir = join(mkdtempSync(join(tmpdir(), 'dlrm-torchrec-')), 'job');
    const { config } = writeTorchJob({ dir, job: small, data, plan: { worldSize: 1, tableOwner: [0, 0, 0] }, runId: null, runName: null, dataset: { kind: 'synthetic', rows: 200, seed: 1 } });
    expect(config.torchrec).toEqual({ folder: null, reason: "TorchRec's Criteo loader is built for 13 dense and 26 categorical features; this run has 13 and 3" });
    expect(existsSync(join(dir, 'torchrec'))).toBe(false);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('No TorchRec copy of the data: TorchRec');
  });
});
