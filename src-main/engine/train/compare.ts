/**
 * DLRM against its rivals on the same data: every model trains on the same split with the same
 * optimizer, budget (epochs x batch size) and seed, then is scored on the same test rows.
 *
 * compareModels() works on any TrainData (tests use small planted splits); runModelComparison()
 * writes the built-in synthetic data to a Criteo TSV file (data module), prepares it as a user's
 * file would be (hashing, 7-day split, binary cache) and compares the models on it, printing a table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendName, MetricValues, ModelSpec, OptimizerSpec } from '../../domain';
import { initBackend, type BackendInfo } from '../backend';
import { prepareDataset, writeSyntheticTsv } from '../data';
import { presetModel } from '../model/presets';
import { runTraining, type TrainData } from './run-training';
import type { TrainJob } from './trainer';

/** The rivals a comparison runs when none are named: preset names. */
export const DEFAULT_COMPARISON_MODELS = ['lr', 'mf', 'fm', 'dcn', 'criteo-kaggle'] as const;

/**
 * Optimizer of every model in a comparison unless given: Adam at 0.005 on the dense weights, row-wise
 * Adagrad at 0.1 on the tables (one rate for both fails someone: Adam above ~0.01 makes the linear
 * layers of LR / FM / DCN over raw log-scaled dense features oscillate, Adagrad below ~0.1 leaves
 * hashed rows seen a few times near their init).
 */
export const DEFAULT_COMPARISON_OPTIMIZER: OptimizerSpec = {
  dense: 'adam',
  sparse: 'rowwise-adagrad',
  learningRate: 0.005,
  sparseLearningRate: 0.1,
  warmupSteps: 0,
  decay: 'none',
};

export interface ComparedModel {
  /** Preset name, or the spec's preset or kind. */
  name: string;
  spec: ModelSpec;
}

export interface ModelComparisonRow {
  name: string;
  kind: ModelSpec['kind'];
  status: 'finished' | 'cancelled' | 'failed';
  error: string | null;
  paramCount: number;
  steps: number;
  samplesSeen: number;
  /** Training samples per second (evaluation excluded). */
  samplesPerSec: number;
  /** Seconds of training (evaluation excluded). */
  trainSeconds: number;
  test: MetricValues | null;
}

export interface CompareModelsOptions {
  batchSize: number;
  epochs: number;
  seed: number;
  optimizer?: OptimizerSpec;
  /** Rows of each categorical feature's table (F entries). */
  tableSizes: number[];
  /** I (default 13). */
  numDense?: number;
  backend?: BackendInfo;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Resolves preset names (or specs) into named specs. @throws on an unknown preset name. */
export function comparedModels(models: readonly (string | ModelSpec)[]): ComparedModel[] {
  return models.map((m) => (typeof m === 'string' ? { name: m, spec: presetModel(m) } : { name: m.preset ?? m.kind, spec: m }));
}

/**
 * Trains each model on data.train (one after the other, same job but the model) and scores it on
 * data.test. A model that fails is reported with its error; the others still run.
 */
export async function compareModels(models: readonly ComparedModel[], data: TrainData, options: CompareModelsOptions): Promise<ModelComparisonRow[]> {
  const backend = options.backend ?? (await initBackend());
  const log = options.log ?? (() => undefined);
  const rows: ModelComparisonRow[] = [];
  for (const { name, spec } of models) {
    const job: TrainJob = {
      model: spec,
      optimizer: options.optimizer ?? DEFAULT_COMPARISON_OPTIMIZER,
      train: { batchSize: options.batchSize, epochs: options.epochs, evalEvery: 0, seed: options.seed, maxBadRowShare: 1, checkpointEvery: 0 },
      tableSizes: options.tableSizes,
      ...(options.numDense !== undefined ? { numDense: options.numDense } : {}),
    };
    let startedAt = 0;
    let lastProgressAt = 0;
    let samplesSeen = 0;
    // no validation split: nothing is evaluated during training, so the timing is training alone
    const result = await runTraining(
      job,
      { train: data.train, ...(data.test ? { test: data.test } : {}) },
      {
        backend,
        progressIntervalMs: 1000,
        ...(options.signal ? { signal: options.signal } : {}),
        onEvent: (event) => {
          if (event.type === 'started') startedAt = performance.now();
          if (event.type === 'progress') {
            lastProgressAt = performance.now();
            samplesSeen = event.samplesSeen;
          }
        },
      },
    );
    const trainSeconds = lastProgressAt > startedAt ? (lastProgressAt - startedAt) / 1000 : 0;
    const row: ModelComparisonRow = {
      name,
      kind: spec.kind,
      status: result.status,
      error: result.error,
      paramCount: result.paramCount,
      steps: result.step,
      samplesSeen,
      samplesPerSec: trainSeconds > 0 ? samplesSeen / trainSeconds : 0,
      trainSeconds,
      test: result.test,
    };
    rows.push(row);
    log(formatRow(row));
  }
  return rows;
}

const fixed = (value: number | null | undefined, digits: number): string => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));

function formatRow(row: ModelComparisonRow): string {
  if (row.status !== 'finished') return `${row.name}: ${row.status}${row.error ? ` (${row.error})` : ''}`;
  return `${row.name}: test AUC ${fixed(row.test?.auc, 4)}, log loss ${fixed(row.test?.logLoss, 4)}, ${row.paramCount.toLocaleString('en-US')} parameters, ${row.samplesPerSec.toFixed(0)} samples/s`;
}

/** A Markdown table of comparison rows. */
export function comparisonTable(rows: readonly ModelComparisonRow[]): string {
  const lines = ['| model | kind | test AUC | test log loss | test accuracy | parameters | samples/s | train s |', '|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${r.kind} | ${fixed(r.test?.auc, 4)} | ${fixed(r.test?.logLoss, 4)} | ${fixed(r.test?.accuracy, 4)} | ${r.paramCount.toLocaleString('en-US')} | ${r.samplesPerSec.toFixed(0)} | ${r.trainSeconds.toFixed(1)} |` +
        (r.status === 'finished' ? '' : ` ${r.status}: ${r.error ?? ''}`),
    );
  }
  return lines.join('\n');
}

export interface ModelComparisonOptions {
  /** Rows of the synthetic file (default 200,000). */
  rows?: number;
  /** Default 1. */
  epochs?: number;
  /** Default 256. */
  batchSize?: number;
  /** Seed of the synthetic rows and of every model's init and data order (default 1). */
  seed?: number;
  /** Preset names or specs (default DEFAULT_COMPARISON_MODELS). */
  models?: readonly (string | ModelSpec)[];
  optimizer?: OptimizerSpec;
  /** Rows per table when hashing (default: the first model's hashSize); every model gets this one. */
  hashSize?: number;
  /** Where the TSV file and the cache go (default <tmp>/dlrm-studio-compare); reused when present. */
  workDir?: string;
  /** Force a backend (default: the automatic choice). */
  backend?: BackendName;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

export interface ModelComparisonResult {
  backend: string;
  detail: string;
  dataFile: string;
  rows: number;
  trainRows: number;
  testRows: number;
  /** AUC of the planted probabilities on the test split (the best any model can do). */
  bayesAucTest: number | null;
  results: ModelComparisonRow[];
  /** Markdown table of the results. */
  table: string;
}

/**
 * The comparison script: synthetic Criteo file -> prepareDataset (hash, 7-day split) -> every model
 * with the same budget and seed -> test AUC, log loss, parameter count and samples/s per model.
 */
export async function runModelComparison(options: ModelComparisonOptions = {}): Promise<ModelComparisonResult> {
  const rows = options.rows ?? 200_000;
  const seed = options.seed ?? 1;
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 256;
  const log = options.log ?? ((line: string) => console.log(line));
  const models = comparedModels(options.models ?? DEFAULT_COMPARISON_MODELS);
  if (models.length === 0) throw new Error('no models to compare');
  const hashSize = options.hashSize ?? models[0].spec.hashSize;
  const specs = models.map((m) => ({ name: m.name, spec: { ...m.spec, hashSize } }));

  const workDir = options.workDir ?? path.join(os.tmpdir(), 'dlrm-studio-compare');
  fs.mkdirSync(workDir, { recursive: true });
  const dataFile = path.join(workDir, `synthetic-${rows}-seed${seed}.tsv`);
  const summaryFile = `${dataFile}.json`;
  let bayesAucTest: number | null = null;
  if (fs.existsSync(dataFile) && fs.existsSync(summaryFile)) {
    bayesAucTest = (JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as { bayesAucTest: number }).bayesAucTest;
    log(`using ${dataFile}`);
  } else {
    const summary = await writeSyntheticTsv(dataFile, rows, seed);
    fs.writeFileSync(summaryFile, JSON.stringify(summary));
    bayesAucTest = summary.bayesAucTest;
    log(`wrote ${dataFile}: ${rows} rows, click rate ${summary.clickRate.toFixed(3)}, Bayes-optimal test AUC ${summary.bayesAucTest.toFixed(4)}`);
  }
  const prepared = await prepareDataset({ kind: 'file', path: dataFile, split: 'days7' }, { cacheDir: path.join(workDir, 'cache'), hashSize, categorical: 'hash' });
  log(`prepared: ${prepared.train.numRows} train, ${prepared.test.numRows} test rows, tables of ${hashSize} rows${prepared.fromCache ? ' (from the cache)' : ''}`);

  const backend = await initBackend(options.backend);
  log(`backend ${backend.name}: ${backend.detail}; ${epochs} epoch(s), batch ${batchSize}, seed ${seed}`);
  const results = await compareModels(specs, { train: prepared.train, test: prepared.test }, {
    batchSize,
    epochs,
    seed,
    tableSizes: prepared.tableSizes,
    backend,
    log,
    ...(options.optimizer ? { optimizer: options.optimizer } : {}),
  });
  const table = comparisonTable(results);
  log(table);
  return {
    backend: backend.name,
    detail: backend.detail,
    dataFile,
    rows,
    trainRows: prepared.train.numRows,
    testRows: prepared.test.numRows,
    bayesAucTest,
    results,
    table,
  };
}
