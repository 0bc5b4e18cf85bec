/**
 * Binary cache of preprocessed rows, so later epochs and later runs skip parsing.
 *
 * An entry is a directory `<cacheDir>/<key>/` (key = sha256 of file paths, sizes, mtimes,
 * preprocessing and split layout) holding, per part (e.g. "all", or "train"/"valid"/"test"):
 *   <part>.labels.u8         [N] labels 0/1
 *   <part>.dense.f32         [N, I] preprocessed dense features, little-endian, row-major
 *   <part>.categorical.i32   [N, F] table rows, little-endian, row-major
 * plus stats.bin (FeatureStats), vocabulary.bin (vocabulary encoding only) and header.json.
 * header.json is written last and the directory is built under a temporary name and renamed,
 * so an entry either is complete or does not exist.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetError } from './errors';
import type { RawRow } from './parse';
import type { PreprocessConfig, Preprocessor } from './preprocess';
import { DEFAULT_MAX_DISTINCT_PER_FEATURE, Vocabulary } from './preprocess';
import { NUM_CATEGORICAL, NUM_DENSE } from './types';
import type { BadRowReport, PreparedSplit } from './types';
import type { DistinctCounts } from './distinct';

export const CACHE_FORMAT_VERSION = 1;
const HEADER_FILE = 'header.json';

/** What identifies a cache entry. */
export interface CacheKeyInput {
  files: string[];
  preprocessing: PreprocessConfig;
  /** Split layout that changes what the parts hold, e.g. "single" or "random:1:0.1:0.1". */
  layout: string;
  /** The vocabulary counter's cap when it is not the default (a different cap can give another vocabulary). */
  maxDistinctPerFeature?: number;
}

/** Per input file, what the parse found. */
export interface CachedFileReport {
  path: string;
  bytes: number;
  format: string;
  gzip: boolean;
  rows: number;
  badRows: number;
  reports: BadRowReport[];
  /** Hex sha256 of the file's bytes. */
  sha256: string | null;
  /** The file's modification time when parsed (absent in entries made before it was kept). */
  mtimeMs?: number;
}

/** Contents of header.json. */
export interface CacheHeader {
  version: number;
  key: string;
  createdAt: string;
  preprocessing: PreprocessConfig;
  layout: string;
  tableSizes: number[];
  parts: { name: string; rows: number }[];
  files: CachedFileReport[];
  /** Seconds the parse took. */
  parseSeconds: number;
  /**
   * Distinct raw values per feature over every parsed row (DistinctCounter, distinct.ts). Absent in
   * scoring entries and in entries made before it was counted: readers treat absent as unknown.
   */
  distinct?: DistinctCounts;
}

/** The cache key: hex sha256 over resolved paths, sizes, mtimes, preprocessing, layout and format version. */
export function cacheKey(input: CacheKeyInput): string {
  const files = input.files.map((path) => {
    const stat = statSync(path);
    return { path: resolve(path), size: stat.size, mtimeMs: stat.mtimeMs };
  });
  const cap = input.maxDistinctPerFeature;
  const capPart = cap !== undefined && cap !== DEFAULT_MAX_DISTINCT_PER_FEATURE && input.preprocessing.categorical === 'vocab' ? { maxDistinctPerFeature: cap } : {};
  const text = JSON.stringify({ version: CACHE_FORMAT_VERSION, files, preprocessing: input.preprocessing, layout: input.layout, ...capPart });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** Header of a complete entry, or null when there is none (or it is from another format version). */
export function readCacheHeader(cacheDir: string, key: string): CacheHeader | null {
  const path = join(cacheDir, key, HEADER_FILE);
  if (!existsSync(path)) return null;
  try {
    const header = JSON.parse(readFileSync(path, 'utf8')) as CacheHeader;
    return header.version === CACHE_FORMAT_VERSION && header.key === key ? header : null;
  } catch {
    return null;
  }
}

/**
 * The distinct values per feature counted when these files (same paths, sizes and modification times,
 * in this order) were last prepared into the cache, whatever the preprocessing or split; null when no
 * complete entry of them has counts (never prepared, or prepared before the counts were kept) or a
 * file cannot be read.
 */
export function preparedDistinctCounts(cacheDir: string, files: string[]): DistinctCounts | null {
  let wanted: { path: string; size: number; mtimeMs: number }[];
  let entries: string[];
  try {
    wanted = files.map((path) => {
      const stat = statSync(path);
      return { path: resolve(path), size: stat.size, mtimeMs: stat.mtimeMs };
    });
    entries = existsSync(cacheDir) ? readdirSync(cacheDir) : [];
  } catch {
    return null;
  }
  let best: { createdAt: string; distinct: DistinctCounts } | null = null;
  for (const name of entries) {
    if (!/^[0-9a-f]{32}$/.test(name)) continue; // temporary and foreign folders
    const header = readCacheHeader(cacheDir, name);
    const distinct = header?.distinct;
    if (!header || !distinct || !validDistinct(distinct) || header.files.length !== wanted.length) continue;
    const same = header.files.every((file, i) => resolve(file.path) === wanted[i].path && file.bytes === wanted[i].size && file.mtimeMs === wanted[i].mtimeMs);
    if (same && (best === null || header.createdAt > best.createdAt)) best = { createdAt: header.createdAt, distinct };
  }
  return best?.distinct ?? null;
}

function validDistinct(distinct: DistinctCounts): boolean {
  return (
    Array.isArray(distinct.values) &&
    Array.isArray(distinct.exact) &&
    distinct.values.length === NUM_CATEGORICAL &&
    distinct.exact.length === NUM_CATEGORICAL &&
    distinct.values.every((n) => Number.isInteger(n) && n >= 0)
  );
}

/** Path of a complete entry's directory. */
export function cacheEntryDir(cacheDir: string, key: string): string {
  return join(cacheDir, key);
}

function partFile(dir: string, part: string, column: 'labels.u8' | 'dense.f32' | 'categorical.i32'): string {
  return join(dir, `${part}.${column}`);
}

/** Builds one entry under a temporary directory; commit() makes it visible. */
export class CacheEntryBuilder {
  readonly dir: string;
  private readonly finalDir: string;

  constructor(cacheDir: string, readonly key: string) {
    mkdirSync(cacheDir, { recursive: true });
    this.finalDir = join(cacheDir, key);
    this.dir = join(cacheDir, `${key}.tmp-${process.pid}-${Date.now().toString(36)}`);
    mkdirSync(this.dir, { recursive: true });
  }

  openPart(name: string, onBlock: ConstructorParameters<typeof CachePartWriter>[3] = null, blockRows = 65_536): CachePartWriter {
    return new CachePartWriter(this.dir, name, blockRows, onBlock);
  }

  writeVocabulary(vocabulary: Vocabulary): void {
    writeVocabularyFile(join(this.dir, 'vocabulary.bin'), vocabulary);
  }

  /** Writes header.json and moves the entry into place; returns its directory. */
  commit(header: CacheHeader): string {
    writeFileSync(join(this.dir, HEADER_FILE), JSON.stringify(header, null, 1));
    if (existsSync(this.finalDir)) rmSync(this.finalDir, { recursive: true, force: true });
    renameSync(this.dir, this.finalDir);
    return this.finalDir;
  }

  /** Removes the temporary directory (after a failure or cancellation). */
  abort(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Appends preprocessed rows of one part in blocks (bounded memory). */
export class CachePartWriter {
  rows = 0;
  /** Current block, [blockRows], [blockRows, I], [blockRows, F]. */
  readonly labels: Uint8Array;
  readonly dense: Float32Array;
  readonly categorical: Int32Array;
  /** [blockRows, F] raw category values of the current block, for onBlock (stats). */
  readonly rawCategorical: Float64Array;
  private filled = 0;
  private readonly fds: number[];

  /**
   * `onBlock` sees every block (labels [n], table rows [n, F], raw values [n, F]) before it is written:
   * feature stats are recorded there, block-wise.
   */
  constructor(
    dir: string,
    readonly name: string,
    private readonly blockRows: number,
    private readonly onBlock: ((labels: Uint8Array, categorical: Int32Array, raw: Float64Array, n: number) => void) | null = null,
  ) {
    this.rawCategorical = new Float64Array(blockRows * NUM_CATEGORICAL);
    this.labels = new Uint8Array(blockRows);
    this.dense = new Float32Array(blockRows * NUM_DENSE);
    this.categorical = new Int32Array(blockRows * NUM_CATEGORICAL);
    this.fds = [openSync(partFile(dir, name, 'labels.u8'), 'w'), openSync(partFile(dir, name, 'dense.f32'), 'w'), openSync(partFile(dir, name, 'categorical.i32'), 'w')];
  }

  /** Preprocesses and appends a row. */
  push(row: RawRow, preprocessor: Preprocessor): void {
    const index = this.filled;
    this.labels[index] = row.label;
    preprocessor.apply(row, index, this.dense, this.categorical);
    if (this.onBlock) this.rawCategorical.set(row.categorical, index * NUM_CATEGORICAL);
    this.filled++;
    this.rows++;
    if (this.filled === this.blockRows) this.flush();
  }

  /** Writes the current block (its contents stay readable until the next push). */
  private flush(): void {
    if (this.filled === 0) return;
    const n = this.filled;
    this.onBlock?.(this.labels, this.categorical, this.rawCategorical, n);
    writeSync(this.fds[0], this.labels.subarray(0, n));
    writeSync(this.fds[1], new Uint8Array(this.dense.buffer, 0, n * NUM_DENSE * 4));
    writeSync(this.fds[2], new Uint8Array(this.categorical.buffer, 0, n * NUM_CATEGORICAL * 4));
    this.filled = 0;
  }

  close(): number {
    this.flush();
    for (const fd of this.fds) closeSync(fd);
    return this.rows;
  }
}

/**
 * Reads rows [start, start + count) of a part into a fresh PreparedSplit (or into `into`, which must
 * have room for count rows). Uses positioned reads, so it needs no open state between calls.
 */
export function readCachedRows(dir: string, part: string, start: number, count: number, into?: PreparedSplit): PreparedSplit {
  const out: PreparedSplit = into ?? {
    numRows: count,
    labels: new Uint8Array(count),
    dense: new Float32Array(count * NUM_DENSE),
    categorical: new Int32Array(count * NUM_CATEGORICAL),
  };
  out.numRows = count;
  readExactly(partFile(dir, part, 'labels.u8'), out.labels, count, start);
  readExactly(partFile(dir, part, 'dense.f32'), out.dense, count * NUM_DENSE * 4, start * NUM_DENSE * 4);
  readExactly(partFile(dir, part, 'categorical.i32'), out.categorical, count * NUM_CATEGORICAL * 4, start * NUM_CATEGORICAL * 4);
  return out;
}

function readExactly(path: string, target: ArrayBufferView, byteLength: number, position: number): void {
  const bytes = new Uint8Array(target.buffer, target.byteOffset, byteLength);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < byteLength) {
      const n = readSync(fd, bytes, done, byteLength - done, position + done);
      if (n === 0) throw new DatasetError(`cache file ${path} is shorter than its header says (remove the cache directory to rebuild it)`, { file: path });
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Vocabulary file: per feature u32 count, then that many u32 values (row order). */
export function writeVocabularyFile(path: string, vocabulary: Vocabulary): void {
  const fd = openSync(path, 'w');
  try {
    for (const values of vocabulary.valuesByRow) {
      const count = new Uint32Array([values.length]);
      writeSync(fd, new Uint8Array(count.buffer));
      writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a vocabulary file feature by feature straight into its value arrays (no whole-file buffer: at
 * Kaggle size that was a second copy of 134 MB while the arrays were filled).
 */
export function readVocabularyFile(path: string, minCount: number): Vocabulary {
  const fileBytes = statSync(path).size;
  const valuesByRow: Uint32Array[] = [];
  const count = new Uint8Array(4);
  let pos = 0;
  for (let f = 0; f < NUM_CATEGORICAL; f++) {
    readExactly(path, count, 4, pos);
    const n = new DataView(count.buffer).getUint32(0, true);
    pos += 4;
    if (pos + 4 * n > fileBytes) throw new DatasetError(`cache file ${path} is shorter than its counts say (remove the cache directory to rebuild it)`, { file: path });
    const values = new Uint32Array(n);
    readExactly(path, values, 4 * n, pos);
    pos += 4 * n;
    valuesByRow.push(values);
  }
  return new Vocabulary(valuesByRow, minCount);
}
