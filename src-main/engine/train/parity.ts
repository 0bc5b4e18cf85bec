/**
 * Model-quality parity with the PyTorch reference: trains with the configuration of
 * `torch_dlrm.py train` (preset, hashing modulo tableRows, batch, SGD for tables and MLPs at a constant
 * learning rate, file order without shuffling, epochs) on the same train/test TSV files, prints test
 * AUC per seed and their mean, and, where /usr/bin/python3 imports torch, runs the reference with the
 * same arguments for the same seeds and prints the gap.
 *
 * Reading TSV is the data module's job: pass a loader as `loadSources` (e.g. around the data module's
 * prepareDataset({ kind: 'files', train, test }, { hashSize: tableRows, categorical: 'hash', ... })). It
 * must apply the reference preprocessing: dense x -> log(max(x, 0) + 1), missing -> 0;
 * category hex -> parseInt(hex, 16) % tableRows, missing -> 0; one value per feature; and its sources
 * must offer inOrder() (file order), which training uses every epoch.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName, MetricValues, ModelSpec } from '../../domain';
import type { Batch } from '../data/types';
import { initBackend } from '../backend';
import { presetModel } from '../model/presets';
import { inStoredOrder, type BatchSourceLike } from '../data/batch-source';
import { runTraining } from './run-training';

export interface ParityOptions {
  trainPath: string;
  testPath: string;
  loadSources: (trainPath: string, testPath: string, tableRows: number) => Promise<{ train: OrderedSource; test: OrderedSource; tableSizes?: number[] }>;
  /** torch_dlrm.py preset: 'kaggle' (= criteo-kaggle) or 'course'. */
  preset?: 'kaggle' | 'course';
  tableRows?: number;
  batchSize?: number;
  learningRate?: number;
  epochs?: number;
  /** Init seeds; the reference's AUC varies with them, so compare means (default [1, 2, 3]). */
  seeds?: number[];
  backend?: BackendName;
  /** Path of torch_dlrm.py (default ../shared/peer/torch_dlrm.py from the working directory); false: skip. */
  torchScript?: string | false;
  log?: (line: string) => void;
}

/** A batch source that can also give its rows in stored (file) order. */
export type OrderedSource = BatchSourceLike & { inOrder(batchSize: number): Iterable<Batch> };

export interface ParityResult {
  ours: { seed: number; test: MetricValues }[];
  oursMeanAuc: number | null;
  torch: { seed: number; auc: number | null }[];
  torchMeanAuc: number | null;
  /** oursMeanAuc - torchMeanAuc. */
  gap: number | null;
}

const mean = (xs: (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

export async function runParity(options: ParityOptions): Promise<ParityResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const preset = options.preset ?? 'kaggle';
  const tableRows = options.tableRows ?? 100_000;
  const batchSize = options.batchSize ?? 128;
  const learningRate = options.learningRate ?? 0.1;
  const epochs = options.epochs ?? 1;
  const seeds = options.seeds ?? [1, 2, 3];
  const model: ModelSpec = { ...presetModel(preset === 'kaggle' ? 'criteo-kaggle' : 'course'), hashSize: tableRows };
  const backend = await initBackend(options.backend);
  log(`backend ${backend.name}: ${backend.detail}`);
  const { train, test, tableSizes } = await options.loadSources(options.trainPath, options.testPath, tableRows);
  log(`train rows ${train.numRows}, test rows ${test.numRows}`);

  const ours: ParityResult['ours'] = [];
  for (const seed of seeds) {
    const result = await runTraining(
      {
        model,
        optimizer: { dense: 'sgd', sparse: 'sgd', learningRate, warmupSteps: 0, decay: 'none' },
        train: { batchSize, epochs, evalEvery: 0, seed, maxBadRowShare: 1, checkpointEvery: 0 },
        tableSizes: tableSizes ?? Array.from({ length: 26 }, () => tableRows),
      },
      { train: inStoredOrder(train), test },
      { onEvent: () => {}, backend, evalBatchSize: 4096 },
    );
    if (result.status !== 'finished' || !result.test) throw new Error(`training with seed ${seed} ${result.status}: ${result.error ?? ''}`);
    ours.push({ seed, test: result.test });
    log(`ours  seed ${seed}: test_auc=${result.test.auc?.toFixed(5)} logloss=${result.test.logLoss?.toFixed(5)} accuracy=${result.test.accuracy?.toFixed(5)}`);
  }

  const torch: ParityResult['torch'] = [];
  const script = options.torchScript === false ? null : (options.torchScript ?? path.resolve(process.cwd(), '../shared/peer/torch_dlrm.py'));
  if (script && fs.existsSync(script) && fs.existsSync('/usr/bin/python3')) {
    for (const seed of seeds) {
      const args = [script, 'train', '--train', options.trainPath, '--test', options.testPath, '--preset', preset, '--table-rows', String(tableRows),
        '--batch', String(batchSize), '--lr', String(learningRate), '--epochs', String(epochs), '--seed', String(seed)];
      const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: 4 * 3600_000 });
      const m = /test_auc=([0-9.]+)/.exec(r.stdout ?? '');
      torch.push({ seed, auc: m ? Number(m[1]) : null });
      log(`torch seed ${seed}: ${m ? `test_auc=${m[1]}` : `failed: ${(r.stderr ?? '').trim().split('\n').pop()}`}`);
    }
  } else {
    log('reference not run (torch_dlrm.py or /usr/bin/python3 missing)');
  }
  const oursMeanAuc = mean(ours.map((o) => o.test.auc));
  const torchMeanAuc = mean(torch.map((t) => t.auc));
  const gap = oursMeanAuc !== null && torchMeanAuc !== null ? oursMeanAuc - torchMeanAuc : null;
  log(`mean test AUC: ours ${oursMeanAuc?.toFixed(5) ?? 'n/a'}, torch ${torchMeanAuc?.toFixed(5) ?? 'n/a'}, gap ${gap?.toFixed(5) ?? 'n/a'}`);
  return { ours, oursMeanAuc, torch, torchMeanAuc, gap };
}
