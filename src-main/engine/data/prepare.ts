/**
 * Over 400 lines: every dataset kind from spec to batch sources, and the cache that serves them, share one set of keys and steps.
 * prepareDataset: the one entry point the service calls. It turns a DatasetSpec into train, valid
 * and test batch sources, a description, per-row feature stats and the table sizes, parsing a file
 * at most once per (file, size, mtime, preprocessing, split layout): later runs read the cache.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DatasetDescription, DatasetSpec } from '../../domain';
import { exactAuc } from './auc';
import { CACHE_FORMAT_VERSION, CacheEntryBuilder, cacheEntryDir, cacheKey, readCacheHeader, readVocabularyFile } from './cache';
import type { CacheHeader, CachePartWriter, CachedFileReport } from './cache';
import { DistinctCounter } from './distinct';
import { DatasetError, fileProblem, throwIfAborted } from './errors';
import { createRawRow } from './parse';
import { DEFAULT_MAX_DISTINCT_PER_FEATURE, Preprocessor, VocabularyCounter } from './preprocess';
import type { CategoricalEncoding, PreprocessConfig, PreprocessingState } from './preprocess';
import { readCriteoFile } from './reader';
import type { ReadProgress, ReadSummary } from './reader';
import { CachedBatchSource, DEFAULT_CHUNK_ROWS, InMemoryBatchSource, sliceSplit } from './sources';
import { days7Ranges, randomSplitAssigner } from './split';
import { FeatureStats } from './stats';
import { defaultSyntheticWorld, generateSyntheticRow, plantedGroup } from './synthetic';
import { NUM_CATEGORICAL, NUM_DENSE } from './types';
import type { BadRowReport, PreparedSplit } from './types';

/** Largest synthetic dataset generated in memory (~157 bytes a row); write a file for more. */
export const MAX_SYNTHETIC_ROWS = 4_000_000;

export interface PrepareOptions {
  /** Directory of the binary cache (created when missing). */
  cacheDir: string;
  /** Rows per table when hashing; cap on rows per table with a vocabulary. */
  hashSize: number;
  /** 'hash' (default, as the reference with --max-ind-range) or 'vocab'. */
  categorical?: CategoricalEncoding;
  /** Vocabulary: values seen fewer times share row 0 with missing. Default 1. */
  minCount?: number;
  /** Fail when the share of bad rows passes this (0..1). Default 0.05. */
  maxBadShare?: number;
  /** The bad share is checked once this many lines were read (and at the end). Default 1000. */
  minRowsForBadShare?: number;
  /** Seed of the random split (file spec with split 'random'). Default 1. */
  splitSeed?: number;
  /** Rows per chunk of the cached sources' windowed shuffle. */
  chunkRows?: number;
  /** Training rows in stored (day) order, shuffled within windows of this many rows (CachedBatchSource). */
  shuffleWindow?: number;
  /** Vocabulary: distinct values counted per feature before the counter prunes (VocabularyCounter). */
  maxDistinctPerFeature?: number;
  /** Progress: fraction 0..1 and a message with rows/s. */
  onProgress?: (fraction: number, message: string) => void;
  /**
   * Called as a file's preparation enters a phase: 'count' (the vocabulary's counting pass),
   * 'vocabulary' (ranking values and building the lookups), 'parse' (rows into the cache), 'write'
   * (feature stats, vocabulary file, header). Benchmarks measure memory per phase with it.
   */
  onPhase?: (phase: PreparePhase) => void;
  signal?: AbortSignal;
}

/** Phases of preparing a file (PrepareOptions.onPhase). */
export type PreparePhase = 'count' | 'vocabulary' | 'parse' | 'write';

/** Either source kind; both implement BatchSource. */
export type PreparedSource = InMemoryBatchSource | CachedBatchSource;

export interface PreparedDataset {
  train: PreparedSource;
  valid: PreparedSource;
  test: PreparedSource;
  description: DatasetDescription;
  stats: FeatureStats;
  /** [F] rows of each embedding table. */
  tableSizes: number[];
  /** Save this with a model to preprocess new rows the same way. */
  preprocessing: PreprocessingState;
  preprocessor: Preprocessor;
  /** The first bad-row reports (all files), at most ~100 per file. */
  badRowReports: BadRowReport[];
  /** True when the rows came from an existing cache entry (no parsing). */
  fromCache: boolean;
  /** Seconds spent in this call. */
  seconds: number;
}

interface ResolvedOptions {
  config: PreprocessConfig;
  maxBadShare: number;
  minRowsForBadShare: number;
  splitSeed: number;
  chunkRows: number;
  shuffleWindow: number | null;
  maxDistinctPerFeature: number;
  onProgress: (fraction: number, message: string) => void;
  onPhase: (phase: PreparePhase) => void;
  signal: AbortSignal | undefined;
}

function resolveOptions(options: PrepareOptions): ResolvedOptions {
  const categorical = options.categorical ?? 'hash';
  if (categorical !== 'hash' && categorical !== 'vocab') throw new DatasetError(`categorical must be 'hash' or 'vocab', got ${String(categorical)}`, { field: 'categorical' });
  const minCount = options.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1) throw new DatasetError(`minCount must be a positive integer, got ${minCount}`, { field: 'minCount' });
  const maxBadShare = options.maxBadShare ?? 0.05;
  if (!(maxBadShare >= 0 && maxBadShare <= 1)) throw new DatasetError(`maxBadShare must be between 0 and 1, got ${maxBadShare}`, { field: 'maxBadShare' });
  const config: PreprocessConfig = { categorical, hashSize: options.hashSize, minCount: categorical === 'vocab' ? minCount : 1 };
  new Preprocessor({ ...config, categorical: 'hash' }); // validates hashSize
  return {
    config,
    maxBadShare,
    minRowsForBadShare: options.minRowsForBadShare ?? 1000,
    splitSeed: options.splitSeed ?? 1,
    chunkRows: options.chunkRows ?? DEFAULT_CHUNK_ROWS,
    shuffleWindow: options.shuffleWindow ?? null,
    maxDistinctPerFeature: options.maxDistinctPerFeature ?? DEFAULT_MAX_DISTINCT_PER_FEATURE,
    onProgress: options.onProgress ?? (() => undefined),
    onPhase: options.onPhase ?? (() => undefined),
    signal: options.signal,
  };
}

/** Turns a dataset spec into batch sources (see the file header). */
export async function prepareDataset(spec: DatasetSpec, options: PrepareOptions): Promise<PreparedDataset> {
  const started = performance.now();
  const resolved = resolveOptions(options);
  throwIfAborted(resolved.signal);
  let prepared: Omit<PreparedDataset, 'seconds'>;
  switch (spec.kind) {
    case 'synthetic':
      prepared = await prepareSynthetic(spec.rows, spec.seed, resolved);
      break;
    case 'file':
    case 'files':
      prepared = await prepareFiles(spec, options.cacheDir, resolved);
      break;
    default:
      throw new DatasetError(`unknown dataset kind ${(spec as { kind: string }).kind}`, { field: 'kind' });
  }
  // Object.assign, not a spread: a spread would evaluate the on-demand `preprocessing`
  return Object.assign(prepared, { seconds: (performance.now() - started) / 1000 });
}

// ---------- synthetic ----------

/** Yields to the event loop so an AbortSignal can fire during long synchronous loops. */
function nextTurn(): Promise<void> {
  return new Promise((done) => setImmediate(done));
}

/**
 * Generates `rows` synthetic rows in memory, preprocessed (hash or a vocabulary over all rows),
 * with the planted probabilities, and their feature stats.
 */
export async function generateSyntheticSplit(
  rows: number,
  seed: number,
  config: PreprocessConfig,
  progress: { onProgress?: (fraction: number, message: string) => void; signal?: AbortSignal } = {},
): Promise<{ split: PreparedSplit; stats: FeatureStats; preprocessor: Preprocessor }> {
  if (!Number.isInteger(rows) || rows < 14) throw new DatasetError(`synthetic rows must be an integer of at least 14 (7 days), got ${rows}`, { field: 'rows' });
  if (rows > MAX_SYNTHETIC_ROWS) {
    throw new DatasetError(`synthetic datasets in memory are limited to ${MAX_SYNTHETIC_ROWS} rows; write a file with the generate command for more`, { field: 'rows' });
  }
  const world = defaultSyntheticWorld();
  const row = createRawRow();
  const started = performance.now();
  const report = progress.onProgress ?? (() => undefined);
  let preprocessor: Preprocessor;
  const passes = config.categorical === 'vocab' ? 2 : 1;
  // output of generateSyntheticRow, overwritten on every call: one array for every row of both passes
  const valueIds = new Int32Array(NUM_CATEGORICAL);
  if (config.categorical === 'vocab') {
    const counter = new VocabularyCounter();
    for (let i = 0; i < rows; i++) {
      generateSyntheticRow(world, seed, i, row, valueIds);
      counter.add(row);
      if ((i & 0xffff) === 0xffff) {
        report((i / rows) / passes, `counting synthetic values: ${i + 1} rows`);
        await nextTurn();
        throwIfAborted(progress.signal);
      }
    }
    preprocessor = new Preprocessor(config, counter.build(config.minCount, config.hashSize, { releaseCounts: true }));
  } else {
    preprocessor = new Preprocessor(config);
  }
  const split: PreparedSplit = {
    numRows: rows,
    labels: new Uint8Array(rows),
    dense: new Float32Array(rows * NUM_DENSE),
    categorical: new Int32Array(rows * NUM_CATEGORICAL),
    trueProbability: new Float32Array(rows),
  };
  const stats = new FeatureStats(preprocessor.tableSizes, (feature, raw) => plantedGroup(world, feature, raw));
  // stats are recorded block by block (feature-major, cache friendly), from the raw values kept here
  const blockRows = 0x10000;
  const rawBlock = new Float64Array(blockRows * NUM_CATEGORICAL);
  for (let i = 0; i < rows; i++) {
    split.trueProbability![i] = generateSyntheticRow(world, seed, i, row, valueIds);
    split.labels[i] = row.label;
    preprocessor.apply(row, i, split.dense, split.categorical);
    const inBlock = i & (blockRows - 1);
    rawBlock.set(row.categorical, inBlock * NUM_CATEGORICAL);
    if (inBlock === blockRows - 1 || i === rows - 1) {
      const blockStart = i - inBlock;
      stats.recordBlock(split.labels.subarray(blockStart), split.categorical.subarray(blockStart * NUM_CATEGORICAL), rawBlock, inBlock + 1);
    }
    if ((i & 0xffff) === 0xffff) {
      const seconds = (performance.now() - started) / 1000;
      report((passes - 1 + i / rows) / passes, `generating synthetic rows: ${i + 1} of ${rows}, ${Math.round((i + 1) / seconds)} rows/s`);
      await nextTurn();
      throwIfAborted(progress.signal);
    }
  }
  return { split, stats, preprocessor };
}

async function prepareSynthetic(rows: number, seed: number, options: ResolvedOptions): Promise<Omit<PreparedDataset, 'seconds'>> {
  const { split, stats, preprocessor } = await generateSyntheticSplit(rows, seed, options.config, options);
  const ranges = days7Ranges(rows);
  const part = (range: { start: number; end: number }): InMemoryBatchSource => new InMemoryBatchSource(sliceSplit(split, range.start, range.end - range.start));
  const test = part(ranges.test);
  const bayesAuc = exactAuc(test.split.trueProbability!, test.split.labels);
  options.onProgress(1, `synthetic data ready: ${rows} rows, Bayes-optimal test AUC ${bayesAuc.toFixed(4)}`);
  return {
    train: part(ranges.train),
    valid: part(ranges.valid),
    test,
    description: {
      kind: 'synthetic',
      rows,
      badRows: 0,
      trainRows: ranges.train.end - ranges.train.start,
      validRows: ranges.valid.end - ranges.valid.start,
      testRows: ranges.test.end - ranges.test.start,
      bayesAuc: Number.isFinite(bayesAuc) ? bayesAuc : null,
    },
    stats,
    tableSizes: preprocessor.tableSizes,
    // on demand: a Kaggle-size vocabulary is 33.8M hex strings (GBs), wanted only when a model is saved
    get preprocessing() {
      return preprocessor.toJSON();
    },
    preprocessor,
    badRowReports: [],
    fromCache: false,
  };
}

// ---------- files ----------

type FileSpec = Extract<DatasetSpec, { kind: 'file' }> | Extract<DatasetSpec, { kind: 'files' }>;

/** One input file and the cache part(s) its rows go to. */
interface InputPlan {
  path: string;
  /** Part of every row, or a function of the row index within the file (random split). */
  part: string | ((row: number) => string);
}

function fractionsOf(spec: Extract<DatasetSpec, { kind: 'file' }>): { valid: number; test: number } {
  const valid = spec.validFraction ?? 0.1;
  const test = spec.testFraction ?? 0.1;
  if (!(valid > 0 && test > 0 && valid + test < 1)) {
    throw new DatasetError(`validFraction and testFraction must be positive with a sum below 1, got ${valid} and ${test}`, { field: 'validFraction' });
  }
  return { valid, test };
}

function planOf(spec: FileSpec, options: ResolvedOptions): { inputs: InputPlan[]; layout: string; parts: string[] } {
  if (spec.kind === 'file') {
    if (spec.split === 'random') {
      const { valid, test } = fractionsOf(spec);
      const assign = randomSplitAssigner(options.splitSeed, valid, test);
      return { inputs: [{ path: spec.path, part: assign }], layout: `random:${options.splitSeed}:${valid}:${test}`, parts: ['train', 'valid', 'test'] };
    }
    if (spec.split !== 'days7') throw new DatasetError(`split must be 'days7' or 'random', got ${String(spec.split)}`, { field: 'split' });
    return { inputs: [{ path: spec.path, part: 'all' }], layout: 'single', parts: ['all'] };
  }
  const inputs: InputPlan[] = [{ path: spec.train, part: 'train' }];
  if (spec.valid) inputs.push({ path: spec.valid, part: 'valid' });
  inputs.push({ path: spec.test, part: 'test' });
  return { inputs, layout: spec.valid ? 'files:train,valid,test' : 'files:train,test', parts: inputs.map((input) => input.part as string) };
}

/** Share of the training file used for validation when `files` names no validation file. */
export const VALID_TAIL_FRACTION = 0.05;

function progressMessage(verb: string, path: string, progress: ReadProgress): string {
  const seconds = Math.max(progress.elapsedSeconds, 1e-3);
  return `${verb} ${path}: ${progress.rows.toLocaleString('en-US')} rows, ${Math.round(progress.rows / seconds).toLocaleString('en-US')} rows/s, ${(progress.bytesRead / 1e6 / seconds).toFixed(1)} MB/s, ${progress.badRows} bad`;
}

async function prepareFiles(spec: FileSpec, cacheDir: string, options: ResolvedOptions): Promise<Omit<PreparedDataset, 'seconds'>> {
  if (!cacheDir) throw new DatasetError('prepareDataset needs a cacheDir for file datasets', { field: 'cacheDir' });
  const plan = planOf(spec, options);
  for (const input of plan.inputs) {
    // missing files give a clear error before anything else
    try {
      cacheKey({ files: [input.path], preprocessing: options.config, layout: plan.layout, maxDistinctPerFeature: options.maxDistinctPerFeature });
    } catch (error) {
      throw new DatasetError(fileProblem(input.path, error), { file: input.path }, { cause: error });
    }
  }
  const key = cacheKey({ files: plan.inputs.map((input) => input.path), preprocessing: options.config, layout: plan.layout, maxDistinctPerFeature: options.maxDistinctPerFeature });
  let header = readCacheHeader(cacheDir, key);
  let fromCache = true;
  if (header === null) {
    header = await buildCacheEntry(plan, cacheDir, key, options);
    fromCache = false;
  } else {
    options.onProgress(1, `read from the cache (${header.parts.reduce((s, p) => s + p.rows, 0).toLocaleString('en-US')} rows parsed earlier)`);
  }
  const dir = cacheEntryDir(cacheDir, key);
  const preprocessor =
    options.config.categorical === 'vocab' ? new Preprocessor(options.config, readVocabularyFile(resolve(dir, 'vocabulary.bin'), options.config.minCount)) : new Preprocessor(options.config);
  const stats = FeatureStats.readFile(resolve(dir, 'stats.bin'));
  const rowsOf = (part: string): number => header!.parts.find((p) => p.name === part)?.rows ?? 0;
  const source = (part: string, start: number, end: number): CachedBatchSource => new CachedBatchSource(dir, part, start, end, options.chunkRows);
  const trainSource = (part: string, start: number, end: number): CachedBatchSource =>
    new CachedBatchSource(dir, part, start, end, options.chunkRows, options.shuffleWindow);
  let train: CachedBatchSource;
  let valid: CachedBatchSource;
  let test: CachedBatchSource;
  if (plan.layout === 'single') {
    const ranges = days7Ranges(rowsOf('all'));
    train = trainSource('all', ranges.train.start, ranges.train.end);
    valid = source('all', ranges.valid.start, ranges.valid.end);
    test = source('all', ranges.test.start, ranges.test.end);
  } else if (plan.parts.includes('valid')) {
    train = trainSource('train', 0, rowsOf('train'));
    valid = source('valid', 0, rowsOf('valid'));
    test = source('test', 0, rowsOf('test'));
  } else {
    const trainRows = rowsOf('train');
    const validRows = Math.max(1, Math.round(trainRows * VALID_TAIL_FRACTION));
    train = trainSource('train', 0, trainRows - validRows);
    valid = source('train', trainRows - validRows, trainRows);
    test = source('test', 0, rowsOf('test'));
  }
  for (const [name, split] of [['train', train], ['validation', valid], ['test', test]] as const) {
    if (split.numRows === 0) throw new DatasetError(`the ${name} split is empty: the data has too few rows (${header.parts.map((p) => `${p.name} ${p.rows}`).join(', ')})`);
  }
  const rows = header.files.reduce((s, f) => s + f.rows, 0);
  const badRows = header.files.reduce((s, f) => s + f.badRows, 0);
  const first = header.files[0];
  return {
    train,
    valid,
    test,
    description: {
      kind: spec.kind,
      path: first.path,
      bytes: header.files.reduce((s, f) => s + f.bytes, 0),
      // One file: its sha256; several (train/valid/test files): the sha256 of their hashes in order.
      ...contentHashOf(header.files),
      rows,
      badRows,
      trainRows: train.numRows,
      validRows: valid.numRows,
      testRows: test.numRows,
      bayesAuc: null,
    },
    stats,
    tableSizes: preprocessor.tableSizes,
    // on demand: a Kaggle-size vocabulary is 33.8M hex strings (GBs), wanted only when a model is saved
    get preprocessing() {
      return preprocessor.toJSON();
    },
    preprocessor,
    badRowReports: header.files.flatMap((f) => f.reports),
    fromCache,
  };
}

async function buildCacheEntry(
  plan: { inputs: InputPlan[]; layout: string; parts: string[] },
  cacheDir: string,
  key: string,
  options: ResolvedOptions,
  fixedPreprocessor: Preprocessor | null = null,
  hasLabel = true,
): Promise<CacheHeader> {
  const started = performance.now();
  const readOptions = {
    signal: options.signal,
    maxBadShare: options.maxBadShare,
    minLinesForBadShare: options.minRowsForBadShare,
    hasLabel,
  };
  const vocabPass = fixedPreprocessor === null && options.config.categorical === 'vocab';
  // progress: every pass over every file counts its bytes; the vocabulary pass reads the training file once more
  const passes = plan.inputs.length + (vocabPass ? 1 : 0);
  let passesDone = 0;
  const passProgress = (verb: string, path: string) => (progress: ReadProgress) =>
    options.onProgress((passesDone + progress.bytesRead / Math.max(progress.totalBytes, 1)) / passes, progressMessage(verb, path, progress));

  let preprocessor: Preprocessor;
  if (fixedPreprocessor) {
    preprocessor = fixedPreprocessor;
  } else if (vocabPass) {
    const counter = new VocabularyCounter(options.maxDistinctPerFeature);
    const trainInput = plan.inputs[0];
    options.onPhase('count');
    await readCriteoFile(trainInput.path, (row) => counter.add(row), { ...readOptions, onProgress: passProgress('counting values in', trainInput.path) });
    passesDone++;
    options.onPhase('vocabulary');
    // each feature's counts are freed as soon as its values are ranked, before its lookup is built: counts and lookups never all coexist
    preprocessor = new Preprocessor(options.config, counter.build(options.config.minCount, options.config.hashSize, { releaseCounts: true }));
  } else {
    preprocessor = new Preprocessor(options.config);
  }

  const builder = new CacheEntryBuilder(cacheDir, key);
  try {
    // feature stats describe a training set; a scoring file (fixed preprocessor) never reads them
    const stats = fixedPreprocessor ? null : new FeatureStats(preprocessor.tableSizes);
    // distinct raw values per feature over every parsed row: the memory plan's hashing-collision estimate
    const distinct = fixedPreprocessor ? null : new DistinctCounter();
    const recordBlock = stats
      ? (labels: Uint8Array, categorical: Int32Array, raw: Float64Array, n: number): void => {
          stats.recordBlock(labels, categorical, raw, n);
          distinct?.addBlock(raw, n);
        }
      : null;
    const writers = new Map<string, CachePartWriter>(plan.parts.map((name) => [name, builder.openPart(name, recordBlock)]));
    const files: CachedFileReport[] = [];
    options.onPhase('parse');
    try {
      for (const input of plan.inputs) {
        const part = input.part;
        let rowIndex = 0;
        const fixedWriter = typeof part === 'string' ? writers.get(part)! : null;
        const summary: ReadSummary = await readCriteoFile(
          input.path,
          (row) => {
            const writer = fixedWriter ?? writers.get((part as (row: number) => string)(rowIndex))!;
            rowIndex++;
            writer.push(row, preprocessor);
          },
          { ...readOptions, onProgress: passProgress('parsing', input.path) },
        );
        passesDone++;
        files.push({
          path: input.path,
          bytes: summary.info.bytes,
          format: summary.info.format + (summary.info.gzip ? '.gz' : ''),
          gzip: summary.info.gzip,
          rows: summary.rows,
          badRows: summary.badRows,
          reports: summary.reports,
          sha256: summary.sha256,
          mtimeMs: statSync(input.path).mtimeMs,
        });
      }
    } finally {
      for (const writer of writers.values()) writer.close();
    }
    options.onPhase('write');
    stats?.writeFile(resolve(builder.dir, 'stats.bin'));
    if (preprocessor.vocabulary && !fixedPreprocessor) builder.writeVocabulary(preprocessor.vocabulary);
    const header: CacheHeader = {
      version: CACHE_FORMAT_VERSION,
      key,
      createdAt: new Date().toISOString(),
      preprocessing: options.config,
      layout: plan.layout,
      tableSizes: preprocessor.tableSizes,
      parts: plan.parts.map((name) => ({ name, rows: writers.get(name)!.rows })),
      files,
      parseSeconds: (performance.now() - started) / 1000,
      ...(distinct ? { distinct: distinct.counts() } : {}),
    };
    builder.commit(header);
    const rows = files.reduce((s, f) => s + f.rows, 0);
    options.onProgress(1, `parsed ${rows.toLocaleString('en-US')} rows in ${header.parseSeconds.toFixed(1)} s into the cache`);
    return header;
  } catch (error) {
    builder.abort();
    throw error;
  }
}

// ---------- scoring ----------

export interface ScoringFile {
  /** Every valid row in file order (use inOrder(batchSize)). */
  source: CachedBatchSource;
  rows: number;
  badRows: number;
  /** The first bad-row reports; predictions skip these lines. */
  reports: BadRowReport[];
  fromCache: boolean;
}

/**
 * Preprocesses a file to score with a saved model's preprocessing (hash size or vocabulary), into
 * the cache, and returns its rows in file order. `hasLabel: false` reads files without the label
 * column (39 fields); their labels read as 0.
 */
export async function prepareScoringFile(
  path: string,
  preprocessing: PreprocessingState,
  options: { cacheDir: string; hasLabel?: boolean; maxBadShare?: number; onProgress?: (fraction: number, message: string) => void; signal?: AbortSignal; chunkRows?: number },
): Promise<ScoringFile> {
  const preprocessor = Preprocessor.fromJSON(preprocessing);
  const resolved = resolveOptions({ ...options, hashSize: preprocessing.hashSize, categorical: preprocessing.categorical, minCount: preprocessing.minCount });
  const hasLabel = options.hasLabel ?? true;
  const identity = createHash('sha256').update(JSON.stringify(preprocessing)).digest('hex').slice(0, 16);
  const plan = { inputs: [{ path, part: 'all' }], layout: `score:${hasLabel ? 'labelled' : 'unlabelled'}:${identity}`, parts: ['all'] };
  let key: string;
  try {
    key = cacheKey({ files: [path], preprocessing: resolved.config, layout: plan.layout });
  } catch (error) {
    throw new DatasetError(fileProblem(path, error), { file: path }, { cause: error });
  }
  let header = readCacheHeader(options.cacheDir, key);
  const fromCache = header !== null;
  header ??= await buildCacheEntry(plan, options.cacheDir, key, resolved, preprocessor, hasLabel);
  const rows = header.parts[0].rows;
  const file = header.files[0];
  return {
    source: new CachedBatchSource(cacheEntryDir(options.cacheDir, key), 'all', 0, rows, resolved.chunkRows),
    rows,
    badRows: file.badRows,
    reports: file.reports,
    fromCache,
  };
}

function contentHashOf(files: readonly { sha256?: string | null }[]): { sha256?: string } {
  const hashes = files.map((f) => f.sha256 ?? null);
  if (hashes.length === 0 || hashes.some((h) => h === null)) return {};
  if (hashes.length === 1) return { sha256: hashes[0]! };
  return { sha256: createHash('sha256').update(hashes.join('\n')).digest('hex') };
}
