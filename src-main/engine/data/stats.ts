/**
 * Over 400 lines: collecting per-row feature statistics, their binary file format and its reader.
 * What each embedding-table row means, for the explore views: per feature and table row, how many
 * rows of the data used it, how many of those clicked, and a representative raw value (the first one
 * seen; hashing can map several values to one row), plus the planted group on synthetic data.
 *
 * Memory: tables of up to DENSE_TABLE_LIMIT rows keep exact counts in typed arrays (16 bytes a row).
 * Larger tables keep at most `maxTrackedRows` rows in a typed-array hash map; when it fills, the
 * less frequent half is dropped (lossy counting), so the frequent rows survive and their counts can
 * be slightly low. Stats cover every row prepared (all splits).
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { DatasetError } from './errors';
import { categoryHex } from './preprocess';

/** Tables up to this many rows get exact dense arrays. */
export const DENSE_TABLE_LIMIT = 1 << 18;
/** Default cap on rows tracked per larger table. */
export const DEFAULT_MAX_TRACKED_ROWS = 1 << 16;

/** One table row as the explore views show it. */
export interface TableRowInfo {
  row: number;
  count: number;
  clicks: number;
  /** Click rate of the rows that used it, null when count is 0. */
  ctr: number | null;
  /** Representative raw value (hex) of the row, null when unknown or missing. */
  value: string | null;
  /** Planted latent group of that value (synthetic data only), else null. */
  group: number | null;
}

/** JSON form (top rows only) to save with a model. */
export interface FeatureStatsSnapshot {
  rows: number;
  clicks: number;
  features: {
    tableSize: number;
    rows: number[];
    counts: number[];
    clicks: number[];
    values: (string | null)[];
    groups: (number | null)[];
  }[];
}

/** Maps (feature, raw value) to its planted group; synthetic data provides one. */
export type GroupLookup = (feature: number, raw: number) => number | null;

/** Entries of one table: [n] each; first = first raw value (-1 missing, NaN unknown). */
interface TableEntries {
  rows: Int32Array;
  counts: Int32Array;
  clicks: Int32Array;
  first: Float64Array;
}

interface RowTable {
  record(row: number, raw: number, label: number): void;
  /** Index into the table's storage, -1 when not tracked. */
  find(row: number): number;
  count(slot: number): number;
  clicks(slot: number): number;
  first(slot: number): number;
  entries(): TableEntries;
}

class DenseRowTable implements RowTable {
  /** [2 * size]: count of row r at 2r, clicks at 2r + 1 (one cache line per update). */
  readonly countsAndClicks: Int32Array;
  /** [size] first raw value seen in row r; meaningful only when its count > 0. */
  readonly firstRaw: Float64Array;

  constructor(size: number) {
    this.countsAndClicks = new Int32Array(2 * size);
    this.firstRaw = new Float64Array(size);
  }

  record(row: number, raw: number, label: number): void {
    if (this.countsAndClicks[2 * row] === 0) this.firstRaw[row] = raw;
    this.countsAndClicks[2 * row]++;
    this.countsAndClicks[2 * row + 1] += label;
  }

  find(row: number): number {
    return row >= 0 && row < this.firstRaw.length ? row : -1;
  }
  count(slot: number): number {
    return this.countsAndClicks[2 * slot];
  }
  clicks(slot: number): number {
    return this.countsAndClicks[2 * slot + 1];
  }
  first(slot: number): number {
    return this.firstRaw[slot];
  }

  load(row: number, count: number, clicks: number, first: number): void {
    this.countsAndClicks[2 * row] = count;
    this.countsAndClicks[2 * row + 1] = clicks;
    this.firstRaw[row] = first;
  }

  entries(): TableEntries {
    const size = this.firstRaw.length;
    let n = 0;
    for (let r = 0; r < size; r++) if (this.countsAndClicks[2 * r] > 0) n++;
    const out: TableEntries = { rows: new Int32Array(n), counts: new Int32Array(n), clicks: new Int32Array(n), first: new Float64Array(n) };
    let k = 0;
    for (let r = 0; r < size; r++) {
      if (this.countsAndClicks[2 * r] > 0) {
        out.rows[k] = r;
        out.counts[k] = this.countsAndClicks[2 * r];
        out.clicks[k] = this.countsAndClicks[2 * r + 1];
        out.first[k] = this.firstRaw[r];
        k++;
      }
    }
    return out;
  }
}

class SparseRowTable implements RowTable {
  /** row + 1, 0 = empty slot. */
  private keys: Int32Array;
  private counts: Int32Array;
  private clickCounts: Int32Array;
  private firstRaw: Float64Array;
  private readonly mask: number;
  private readonly shift: number;
  private size = 0;

  constructor(private readonly maxTracked: number) {
    let capacity = 16;
    while (capacity < maxTracked * 2) capacity *= 2;
    this.keys = new Int32Array(capacity);
    this.counts = new Int32Array(capacity);
    this.clickCounts = new Int32Array(capacity);
    this.firstRaw = new Float64Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  private slot(row: number): number {
    const key = row + 1;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.keys[i] !== 0 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  record(row: number, raw: number, label: number): void {
    let i = this.slot(row);
    if (this.keys[i] === 0) {
      if (this.size >= this.maxTracked) {
        this.prune();
        i = this.slot(row);
      }
      this.keys[i] = row + 1;
      this.counts[i] = 0;
      this.clickCounts[i] = 0;
      this.firstRaw[i] = raw;
      this.size++;
    }
    this.counts[i]++;
    this.clickCounts[i] += label;
  }

  /** Drops the less frequent half (lossy counting) and rebuilds the table. */
  private prune(): void {
    const all = this.entries();
    const sorted = Int32Array.from(all.counts).sort();
    const threshold = sorted[Math.floor(sorted.length / 2)];
    this.keys.fill(0);
    this.size = 0;
    const keepLimit = Math.floor(this.maxTracked / 2);
    for (let k = 0; k < all.rows.length && this.size < keepLimit; k++) {
      if (all.counts[k] > threshold) this.insert(all.rows[k], all.counts[k], all.clicks[k], all.first[k]);
    }
  }

  insert(row: number, count: number, clicks: number, first: number): void {
    const i = this.slot(row);
    if (this.keys[i] === 0) this.size++;
    this.keys[i] = row + 1;
    this.counts[i] = count;
    this.clickCounts[i] = clicks;
    this.firstRaw[i] = first;
  }

  find(row: number): number {
    const i = this.slot(row);
    return this.keys[i] === 0 ? -1 : i;
  }
  count(slot: number): number {
    return this.counts[slot];
  }
  clicks(slot: number): number {
    return this.clickCounts[slot];
  }
  first(slot: number): number {
    return this.firstRaw[slot];
  }

  entries(): TableEntries {
    const out: TableEntries = { rows: new Int32Array(this.size), counts: new Int32Array(this.size), clicks: new Int32Array(this.size), first: new Float64Array(this.size) };
    let k = 0;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== 0) {
        out.rows[k] = this.keys[i] - 1;
        out.counts[k] = this.counts[i];
        out.clicks[k] = this.clickCounts[i];
        out.first[k] = this.firstRaw[i];
        k++;
      }
    }
    return out;
  }
}

/** Per-feature table-row statistics. */
export class FeatureStats {
  /** Rows recorded. */
  rows = 0;
  /** Clicks among them. */
  clicks = 0;
  private readonly tables: RowTable[];

  constructor(readonly tableSizes: readonly number[], private groupOf: GroupLookup | null = null, maxTrackedRows = DEFAULT_MAX_TRACKED_ROWS) {
    this.tables = tableSizes.map((size) => (size <= DENSE_TABLE_LIMIT ? new DenseRowTable(size) : new SparseRowTable(maxTrackedRows)));
  }

  get numFeatures(): number {
    return this.tables.length;
  }

  /** Sets how raw values map to planted groups (synthetic data). */
  setGroupLookup(groupOf: GroupLookup | null): void {
    this.groupOf = groupOf;
  }

  /**
   * Records one data row: its [F] table rows, its [F] raw values (-1 missing) and its label.
   * `rowOffset`/`rawOffset` index into the given arrays.
   */
  record(tableRows: Int32Array, rowOffset: number, raw: Float64Array, rawOffset: number, label: number): void {
    this.rows++;
    this.clicks += label;
    const tables = this.tables;
    for (let f = 0; f < tables.length; f++) {
      const table = tables[f];
      const row = tableRows[rowOffset + f];
      // the dense case inline: this runs 26 times per row while parsing
      if (table instanceof DenseRowTable) {
        const countsAndClicks = table.countsAndClicks;
        if (countsAndClicks[2 * row] === 0) table.firstRaw[row] = raw[rawOffset + f];
        countsAndClicks[2 * row]++;
        countsAndClicks[2 * row + 1] += label;
      } else {
        table.record(row, raw[rawOffset + f], label);
      }
    }
  }

  /**
   * Records a block of n rows: labels [n], table rows [n, F], raw values [n, F] (-1 missing).
   * Feature by feature, so each table's arrays stay in cache (much faster than row by row).
   */
  recordBlock(labels: Uint8Array, tableRows: Int32Array, raw: Float64Array, n: number): void {
    const numFeatures = this.tables.length;
    for (let r = 0; r < n; r++) this.clicks += labels[r];
    this.rows += n;
    for (let f = 0; f < numFeatures; f++) {
      const table = this.tables[f];
      if (table instanceof DenseRowTable) {
        const countsAndClicks = table.countsAndClicks;
        const firstRaw = table.firstRaw;
        for (let r = 0, k = f; r < n; r++, k += numFeatures) {
          const slot = 2 * tableRows[k];
          if (countsAndClicks[slot] === 0) firstRaw[slot >> 1] = raw[k];
          countsAndClicks[slot]++;
          countsAndClicks[slot + 1] += labels[r];
        }
      } else {
        for (let r = 0, k = f; r < n; r++, k += numFeatures) table.record(tableRows[k], raw[k], labels[r]);
      }
    }
  }

  /** Statistics of one table row (count 0 when never seen or not tracked). */
  rowInfo(feature: number, row: number): TableRowInfo {
    const table = this.tables[feature];
    const slot = table.find(row);
    if (slot < 0 || table.count(slot) === 0) return { row, count: 0, clicks: 0, ctr: null, value: null, group: null };
    return this.describe(feature, row, table.count(slot), table.clicks(slot), table.first(slot));
  }

  /** The k most frequent rows of a table, most frequent first (ties by row). */
  topRows(feature: number, k: number): TableRowInfo[] {
    const entries = this.tables[feature].entries();
    const order = Array.from({ length: entries.rows.length }, (_, i) => i);
    order.sort((a, b) => entries.counts[b] - entries.counts[a] || entries.rows[a] - entries.rows[b]);
    return order.slice(0, k).map((i) => this.describe(feature, entries.rows[i], entries.counts[i], entries.clicks[i], entries.first[i]));
  }

  private describe(feature: number, row: number, count: number, clicks: number, first: number): TableRowInfo {
    const known = Number.isFinite(first) && first >= 0;
    return {
      row,
      count,
      clicks,
      ctr: count > 0 ? clicks / count : null,
      value: known ? categoryHex(first) : null,
      group: known && this.groupOf ? this.groupOf(feature, first) : null,
    };
  }

  /** JSON form with the topK most frequent rows of each table. */
  toSnapshot(topK = 50_000): FeatureStatsSnapshot {
    return {
      rows: this.rows,
      clicks: this.clicks,
      features: this.tableSizes.map((tableSize, f) => {
        const top = this.topRows(f, topK);
        return {
          tableSize,
          rows: top.map((t) => t.row),
          counts: top.map((t) => t.count),
          clicks: top.map((t) => t.clicks),
          values: top.map((t) => t.value),
          groups: top.map((t) => t.group),
        };
      }),
    };
  }

  /** Rebuilds stats from a snapshot (rows outside the snapshot read as count 0). */
  static fromSnapshot(snapshot: FeatureStatsSnapshot): FeatureStats {
    const groups = snapshot.features.map((feature) => {
      const map = new Map<number, number>();
      feature.values.forEach((value, i) => {
        const group = feature.groups[i];
        if (value !== null && group !== null) map.set(parseInt(value, 16), group);
      });
      return map;
    });
    const stats = new FeatureStats(
      snapshot.features.map((f) => f.tableSize),
      (feature, raw) => groups[feature].get(raw) ?? null,
      Math.max(16, ...snapshot.features.map((f) => f.rows.length * 2)),
    );
    stats.rows = snapshot.rows;
    stats.clicks = snapshot.clicks;
    snapshot.features.forEach((feature, f) => {
      const entries: TableEntries = {
        rows: Int32Array.from(feature.rows),
        counts: Int32Array.from(feature.counts),
        clicks: Int32Array.from(feature.clicks),
        first: Float64Array.from(feature.values, (v) => (v === null ? -1 : parseInt(v, 16))),
      };
      stats.load(f, entries);
    });
    if (!snapshot.features.some((f) => f.groups.some((g) => g !== null))) stats.groupOf = null;
    return stats;
  }

  private load(feature: number, entries: TableEntries): void {
    const table = this.tables[feature];
    for (let k = 0; k < entries.rows.length; k++) {
      if (table instanceof DenseRowTable) {
        table.load(entries.rows[k], entries.counts[k], entries.clicks[k], entries.first[k]);
      } else {
        (table as SparseRowTable).insert(entries.rows[k], entries.counts[k], entries.clicks[k], entries.first[k]);
      }
    }
  }

  /** Writes every tracked row to a binary file (used by the cache). */
  writeFile(path: string): void {
    const fd = openSync(path, 'w');
    try {
      const header = Buffer.from(JSON.stringify({ rows: this.rows, clicks: this.clicks, tableSizes: this.tableSizes }) + '\n');
      const headerLength = Buffer.alloc(4);
      headerLength.writeUInt32LE(header.length);
      writeSync(fd, headerLength);
      writeSync(fd, header);
      for (const table of this.tables) {
        const entries = table.entries();
        const count = Buffer.alloc(4);
        count.writeUInt32LE(entries.rows.length);
        writeSync(fd, count);
        for (const array of [entries.rows, entries.counts, entries.clicks, entries.first]) {
          writeSync(fd, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Reads a file written by writeFile. */
  static readFile(path: string, groupOf: GroupLookup | null = null): FeatureStats {
    const bytes = readFileSync(path);
    try {
      let pos = 0;
      const headerLength = bytes.readUInt32LE(pos);
      pos += 4;
      const header = JSON.parse(bytes.toString('utf8', pos, pos + headerLength)) as { rows: number; clicks: number; tableSizes: number[] };
      pos += headerLength;
      const copy = (byteLength: number): ArrayBuffer => {
        const out = new ArrayBuffer(byteLength);
        new Uint8Array(out).set(bytes.subarray(pos, pos + byteLength));
        pos += byteLength;
        return out;
      };
      const all: TableEntries[] = [];
      for (let f = 0; f < header.tableSizes.length; f++) {
        const n = bytes.readUInt32LE(pos);
        pos += 4;
        all.push({
          rows: new Int32Array(copy(4 * n)),
          counts: new Int32Array(copy(4 * n)),
          clicks: new Int32Array(copy(4 * n)),
          first: new Float64Array(copy(8 * n)),
        });
      }
      // lossy tables must have room for every row that was tracked when the file was written
      const stats = new FeatureStats(header.tableSizes, groupOf, Math.max(DEFAULT_MAX_TRACKED_ROWS, ...all.map((e) => e.rows.length)));
      stats.rows = header.rows;
      stats.clicks = header.clicks;
      all.forEach((entries, f) => stats.load(f, entries));
      return stats;
    } catch (error) {
      throw new DatasetError(`cache file ${path} is damaged: ${(error as Error).message}`, { file: path }, { cause: error });
    }
  }
}
