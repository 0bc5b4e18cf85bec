/**
 * Memory versus quality of the ways to shrink a DLRM's tables (issue #15), on the planted synthetic
 * data: the same model (criteo-kaggle's MLPs, D 16), data, optimizer, seed and epochs for
 *   - full tables (a vocabulary: a row per value seen, most frequent first),
 *   - frequency pruning (the vocabulary's minimum count: rarer values share row 0),
 *   - the hashing trick at two table sizes (values modulo H),
 *   - quotient-remainder (product) and mixed dimensions, each sized to at most 1/4 of the full
 *     tables' bytes (the largest such setting: QR's remainder rows, mixed-dim's hot share at a cold
 *     width of 2),
 *   - fp16 and bf16 storage of the full tables.
 * Each row: table bytes (the memory planner's count, equal to what the model allocates), share of
 * the full tables, test AUC and log loss, training seconds. The verdict compares the best of QR and
 * mixed-dim at <= 1/4 of the bytes with the full tables' AUC (target: within 0.005).
 */
import type { ModelSpec, OptimizerSpec } from '../../domain';
import { initBackend } from '../backend';
import { prepareDataset } from '../data';
import { planMemory } from '../model/memory-plan';
import { presetModel } from '../model/presets';
import { runTraining } from './run-training';

export interface CompressionBenchOptions {
  /** Rows of synthetic data (split by the generator into train / valid / test; default 250,000). */
  rows?: number;
  epochs?: number;
  seed?: number;
  /** Where the prepared data's cache goes. */
  cacheDir: string;
  log?: (line: string) => void;
}

export interface CompressionBenchRow {
  variant: string;
  /** Encoding of the categories: 'vocab' or 'hash'. */
  encoding: 'vocab' | 'hash';
  compression: string;
  /** Rows of the largest table the model reads. */
  maxTableRows: number;
  tableBytes: number;
  /** tableBytes / the full tables' bytes. */
  shareOfFull: number;
  testAuc: number | null;
  testLogLoss: number | null;
  trainSeconds: number;
}

export interface CompressionBenchResult {
  rows: CompressionBenchRow[];
  trainRows: number;
  testRows: number;
  /** AUC of the planted click probabilities on the test rows: the most any model can reach. */
  bayesAuc: number | null;
  /** Best test AUC of QR and mixed-dim at <= 1/4 of the full bytes, minus the full tables'. */
  quarterGap: number | null;
  verdict: string;
}

/** The full tables' D, and the model around them (criteo-kaggle's MLPs). */
const BASE_MODEL: ModelSpec = presetModel('criteo-kaggle');
/** SGD at 0.1 for tables and MLPs (the reference benchmark's settings). */
const OPTIMIZER: OptimizerSpec = { dense: 'sgd', sparse: 'sgd', learningRate: 0.1, warmupSteps: 0, decay: 'none' };
const BATCH = 128;

function tableBytesOf(spec: ModelSpec, featureTableSizes: readonly number[]): number {
  return planMemory({ spec, batchSize: BATCH, featureTableSizes, datasetRows: null, residentRows: null, machine: { totalBytes: 1, freeBytes: 1 } }).tableBytes;
}

/** The largest QR remainder rows m whose tables take at most `budget` bytes (null when none does). */
export function qrRowsWithin(featureTableSizes: readonly number[], budget: number): number | null {
  const largest = Math.max(...featureTableSizes);
  let best: number | null = null;
  for (let m = 2; m <= largest; m++) {
    const bytes = tableBytesOf({ ...BASE_MODEL, compression: { kind: 'qr', remainderRows: m, combine: 'product' } }, featureTableSizes);
    if (bytes <= budget) best = m;
  }
  return best;
}

/** The largest mixed-dim hot share (in steps of 0.005) at cold width `coldDim` within `budget` bytes. */
export function hotShareWithin(featureTableSizes: readonly number[], coldDim: number, budget: number): number | null {
  let best: number | null = null;
  for (let step = 1; step < 200; step++) {
    const hotShare = step / 200;
    const bytes = tableBytesOf({ ...BASE_MODEL, compression: { kind: 'mixed-dim', hotShare, coldDim } }, featureTableSizes);
    if (bytes <= budget) best = hotShare;
  }
  return best;
}

export async function runCompressionBench(options: CompressionBenchOptions): Promise<CompressionBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rows = options.rows ?? 250_000;
  const epochs = options.epochs ?? 1;
  const seed = options.seed ?? 1;
  const backend = await initBackend();
  log(`backend ${backend.name}: ${backend.detail}; ${rows} synthetic rows, ${epochs} epoch(s), batch ${BATCH}, SGD 0.1, one thread`);
  // a vocabulary's tables are at most this many rows: more than any synthetic feature's values
  const cap = 1_000_000;
  const prepare = (encoding: 'vocab' | 'hash', hashSize: number, minCount = 1) =>
    prepareDataset({ kind: 'synthetic', rows, seed: 7 }, { cacheDir: options.cacheDir, hashSize, categorical: encoding, minCount });
  const full = await prepare('vocab', cap);
  const fullBytes = tableBytesOf(BASE_MODEL, full.tableSizes);
  const quarter = fullBytes / 4;
  const qrRows = qrRowsWithin(full.tableSizes, quarter);
  const hotShare = hotShareWithin(full.tableSizes, 2, quarter);
  const totalRows = full.tableSizes.reduce((a, b) => a + b, 0);
  log(`full tables: ${totalRows} rows over 26 features (largest ${Math.max(...full.tableSizes)}), ${fullBytes} bytes; train ${full.train.numRows} rows, test ${full.test.numRows}; Bayes-optimal test AUC ${full.description.bayesAuc?.toFixed(4) ?? 'n/a'}`);

  type Variant = { variant: string; encoding: 'vocab' | 'hash'; hashSize: number; minCount?: number; extra: Partial<ModelSpec>; compression: string };
  const variants: Variant[] = [
    { variant: 'full tables (vocabulary)', encoding: 'vocab', hashSize: cap, extra: {}, compression: 'none' },
    { variant: 'frequency pruning (min count 20)', encoding: 'vocab', hashSize: cap, minCount: 20, extra: {}, compression: 'vocabulary min count 20' },
    { variant: 'hashing, 1,000 rows', encoding: 'hash', hashSize: 1000, extra: {}, compression: 'hash modulo 1000' },
    { variant: 'hashing, 250 rows', encoding: 'hash', hashSize: 250, extra: {}, compression: 'hash modulo 250' },
    ...(qrRows !== null
      ? [{ variant: `QR product, m = ${qrRows}`, encoding: 'vocab' as const, hashSize: cap, extra: { compression: { kind: 'qr' as const, remainderRows: qrRows, combine: 'product' as const } }, compression: `qr m=${qrRows} product` }]
      : []),
    ...(qrRows !== null
      ? [{ variant: `QR sum, m = ${qrRows}`, encoding: 'vocab' as const, hashSize: cap, extra: { compression: { kind: 'qr' as const, remainderRows: qrRows, combine: 'sum' as const } }, compression: `qr m=${qrRows} sum` }]
      : []),
    ...(hotShare !== null
      ? [{ variant: `mixed-dim, hot ${hotShare} at D 16, cold at 2`, encoding: 'vocab' as const, hashSize: cap, extra: { compression: { kind: 'mixed-dim' as const, hotShare, coldDim: 2 } }, compression: `mixed-dim hot=${hotShare} cold=2` }]
      : []),
    { variant: 'fp16 storage', encoding: 'vocab', hashSize: cap, extra: { tablePrecision: 'fp16' }, compression: 'fp16' },
    { variant: 'bf16 storage', encoding: 'vocab', hashSize: cap, extra: { tablePrecision: 'bf16' }, compression: 'bf16' },
  ];

  const results: CompressionBenchRow[] = [];
  for (const v of variants) {
    const data = v.encoding === 'vocab' && v.minCount === undefined ? full : await prepare(v.encoding, v.hashSize, v.minCount ?? 1);
    const model: ModelSpec = { ...BASE_MODEL, preset: undefined, hashSize: v.hashSize, ...v.extra };
    const tableBytes = tableBytesOf(model, data.tableSizes);
    const started = performance.now();
    const result = await runTraining(
      { model, optimizer: OPTIMIZER, train: { batchSize: BATCH, epochs, evalEvery: 0, seed, maxBadRowShare: 1, checkpointEvery: 0 }, tableSizes: data.tableSizes },
      { train: data.train, test: data.test },
      { onEvent: () => {}, backend, evalBatchSize: 4096 },
    );
    if (result.status !== 'finished' || !result.test) throw new Error(`${v.variant}: training ${result.status}: ${result.error ?? ''}`);
    const row: CompressionBenchRow = {
      variant: v.variant,
      encoding: v.encoding,
      compression: v.compression,
      maxTableRows: Math.max(...data.tableSizes),
      tableBytes,
      shareOfFull: tableBytes / fullBytes,
      testAuc: result.test.auc ?? null,
      testLogLoss: result.test.logLoss ?? null,
      trainSeconds: (performance.now() - started) / 1000,
    };
    results.push(row);
    log(`${v.variant.padEnd(40)} ${String(tableBytes).padStart(10)} B (${(row.shareOfFull * 100).toFixed(1).padStart(5)}% of full)  test AUC ${row.testAuc?.toFixed(4)}  log loss ${row.testLogLoss?.toFixed(4)}  ${row.trainSeconds.toFixed(0)} s`);
  }
  const fullAuc = results[0].testAuc;
  const quarterAucs = results.filter((r) => (r.compression.startsWith('qr') || r.compression.startsWith('mixed-dim')) && r.shareOfFull <= 0.25 && r.testAuc !== null).map((r) => r.testAuc as number);
  const quarterGap = fullAuc !== null && quarterAucs.length > 0 ? Math.max(...quarterAucs) - fullAuc : null;
  const verdict =
    quarterGap === null
      ? 'no QR or mixed-dim setting fits in 1/4 of the bytes'
      : quarterGap >= -0.005
        ? `the best of QR and mixed-dim at <= 1/4 of the bytes is within 0.005 AUC of full tables (gap ${quarterGap.toFixed(4)})`
        : `the best of QR and mixed-dim at <= 1/4 of the bytes misses full tables by ${(-quarterGap).toFixed(4)} AUC (target 0.005)`;
  log(verdict);
  return { rows: results, trainRows: full.train.numRows, testRows: full.test.numRows, bayesAuc: full.description.bayesAuc ?? null, quarterGap, verdict };
}
