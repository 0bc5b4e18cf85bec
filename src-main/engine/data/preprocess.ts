/**
 * Over 400 lines: the reference's preprocessing kept in one place (transforms, value->row map, bounded counter, vocabulary).
 * Preprocessing as the reference (facebookresearch/dlrm, Kaggle path) does it:
 * - dense: log(max(x, 0) + 1), missing -> 0;
 * - categorical, 'hash': hex value as an unsigned integer modulo the table size, missing -> 0
 *   (0 before the modulo, so it shares row 0 with values that are multiples of the table size);
 * - categorical, 'vocab': each value seen at least `minCount` times gets its own row 1..k (most
 *   frequent first; ties by value); missing and rare values share row 0. At most hashSize rows per
 *   table: beyond that the least frequent values go to row 0 as well.
 */
import { DatasetError } from './errors';
import { MISSING_CATEGORY } from './parse';
import type { RawRow } from './parse';
import { NUM_CATEGORICAL, NUM_DENSE } from './types';

export type CategoricalEncoding = 'hash' | 'vocab';

export interface PreprocessConfig {
  categorical: CategoricalEncoding;
  /** Rows per table for hashing; the cap on rows per table for a vocabulary. */
  hashSize: number;
  /** Vocabulary only: values seen fewer times go to row 0. */
  minCount: number;
}

/** JSON form of a preprocessor, saved with a model so new rows can be scored the same way. */
export interface PreprocessingState {
  categorical: CategoricalEncoding;
  hashSize: number;
  minCount: number;
  /** Vocabulary only: per feature, the hex values of table rows 1..k in row order. */
  vocabulary: string[][] | null;
}

const LOG_TABLE_SIZE = 1 << 16;
/** log(x + 1) for integers 0 <= x < LOG_TABLE_SIZE, rounded to float32 as the dense block stores it. */
const LOG_TABLE = Float32Array.from({ length: LOG_TABLE_SIZE }, (_, x) => Math.log(x + 1));

/** log(max(x, 0) + 1) of a raw integer, 0 when missing (NaN). */
export function denseValue(raw: number): number {
  return raw > 0 ? Math.log(raw + 1) : 0;
}

/** Row of a raw category value under hashing: value mod hashSize, missing -> 0. */
export function hashedRow(raw: number, hashSize: number): number {
  return raw < 0 ? 0 : raw % hashSize;
}

/** Formats a raw category value as the 8 hex digits Criteo writes. */
export function categoryHex(raw: number): string {
  return raw.toString(16).padStart(8, '0');
}

/**
 * Open-addressing hash map from unsigned 32-bit keys to non-zero int32 values, in typed arrays
 * (a JS Map of millions of entries costs ~10x the memory). Value 0 marks an empty slot.
 */
export class U32Map {
  private keys: Uint32Array;
  private values: Int32Array;
  private mask: number;
  private shift: number;
  size = 0;

  /**
   * @param maxLoad largest share of slots in use before the map doubles (default 0.5: at most 32 and
   *   at least 16 bytes an entry once grown; 0.75 stores up to 1.5x more entries in the same arrays, with
   *   longer probes).
   */
  constructor(initialCapacity = 1024, private readonly maxLoad = 0.5) {
    if (!(maxLoad > 0 && maxLoad <= 0.9)) throw new DatasetError(`U32Map maxLoad must be in (0, 0.9], got ${maxLoad}`);
    let capacity = 16;
    while (capacity * maxLoad < initialCapacity) capacity *= 2;
    this.keys = new Uint32Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  private slot(key: number): number {
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.values[i] !== 0 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** Value of key, 0 when absent. */
  get(key: number): number {
    return this.values[this.slot(key)];
  }

  /** Adds delta (the result must stay non-zero) to the value of key (0 when absent). */
  add(key: number, delta: number): void {
    const i = this.slot(key);
    if (this.values[i] === 0) {
      this.keys[i] = key;
      this.values[i] = delta;
      this.size++;
      if (this.size > this.keys.length * this.maxLoad) this.grow();
    } else {
      this.values[i] += delta;
    }
  }

  /** Sets a non-zero value. */
  set(key: number, value: number): void {
    const i = this.slot(key);
    if (this.values[i] === 0) {
      this.keys[i] = key;
      this.values[i] = value;
      this.size++;
      if (this.size > this.keys.length * this.maxLoad) this.grow();
    } else {
      this.values[i] = value;
    }
  }

  /** Bytes of the two typed arrays (the map's whole footprint, whatever its size). */
  capacityBytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  /** Calls fn for every entry (unspecified order). */
  forEach(fn: (key: number, value: number) => void): void {
    for (let i = 0; i < this.keys.length; i++) if (this.values[i] !== 0) fn(this.keys[i], this.values[i]);
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const capacity = oldKeys.length * 2;
    this.keys = new Uint32Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldValues[i] !== 0) {
        const j = this.slot(oldKeys[i]);
        this.keys[j] = oldKeys[i];
        this.values[j] = oldValues[i];
      }
    }
  }
}

/** Largest share of a VocabularyLookup's slots in use. */
const LOOKUP_MAX_LOAD = 0.75;

/**
 * Raw value -> table row of one feature's vocabulary, compactly: an open-addressing table of row
 * numbers (1..k; 0 = empty slot) whose keys are read from the vocabulary's own value array
 * (`values[row - 1]`), so no value is stored twice. The table is the smallest power of two with at
 * most 3/4 of its slots used: 4 bytes a slot, 5.3 to 10.7 bytes a kept value, against 16 to 32 for a
 * U32Map of value -> row (at Criteo Kaggle size, 33.8M values: ~0.25 GB instead of ~0.7 GB).
 * Same rows as a U32Map built with `set(values[r], r + 1)` in row order (a repeated value: its last row).
 */
export class VocabularyLookup {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private readonly shift: number;

  constructor(private readonly values: Uint32Array) {
    let capacity = 16;
    while (capacity * LOOKUP_MAX_LOAD < values.length) capacity *= 2;
    this.slots = new Uint32Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    for (let r = 0; r < values.length; r++) {
      const value = values[r];
      let i = Math.imul(value, 0x9e3779b1) >>> this.shift;
      while (this.slots[i] !== 0 && values[this.slots[i] - 1] !== value) i = (i + 1) & this.mask;
      this.slots[i] = r + 1;
    }
  }

  /** Row 1..k of a raw value, 0 when it is not in the vocabulary. */
  row(raw: number): number {
    let i = Math.imul(raw, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const row = this.slots[i];
      if (row === 0 || this.values[row - 1] === raw) return row;
      i = (i + 1) & this.mask;
    }
  }

  /** Bytes of the slot table (the value array belongs to the vocabulary). */
  bytes(): number {
    return this.slots.byteLength;
  }
}

/** The lookup from a feature's raw values to their table rows 1..k (values[r] -> r + 1). */
export function vocabularyLookup(values: Uint32Array): VocabularyLookup {
  return new VocabularyLookup(values);
}

/** Per-feature vocabularies: raw value -> table row (0 = missing or rare). */
export class Vocabulary {
  /** [F] raw values of rows 1..k of each table, in row order. */
  readonly valuesByRow: Uint32Array[];
  /** [F] compact value -> row lookups (VocabularyLookup), each built on the first lookup of its feature (a vocabulary read back only for its table sizes never builds them). */
  private readonly lookup: (VocabularyLookup | null)[];

  /**
   * @param lookups per feature, `vocabularyLookup(valuesByRow[f])` when the caller already built it
   *   (VocabularyCounter.build builds each one right after its feature's values, to free the counts
   *   before the next feature); otherwise each is built on its feature's first lookup.
   */
  constructor(valuesByRow: Uint32Array[], readonly minCount: number, lookups?: VocabularyLookup[]) {
    if (valuesByRow.length !== NUM_CATEGORICAL) throw new DatasetError(`a vocabulary needs ${NUM_CATEGORICAL} features, got ${valuesByRow.length}`);
    if (lookups && lookups.length !== NUM_CATEGORICAL) throw new DatasetError(`a vocabulary needs ${NUM_CATEGORICAL} lookups, got ${lookups.length}`);
    this.valuesByRow = valuesByRow;
    this.lookup = lookups ?? valuesByRow.map(() => null);
  }

  /** Table row of a raw value of a feature: 1..k when kept, 0 when missing or rare. */
  row(feature: number, raw: number): number {
    if (raw < 0) return 0;
    const lookup = this.lookup[feature] ?? (this.lookup[feature] = vocabularyLookup(this.valuesByRow[feature]));
    return lookup.row(raw);
  }

  /** Rows of each table: kept values + 1 (row 0). */
  tableSizes(): number[] {
    return this.valuesByRow.map((values) => values.length + 1);
  }
}

/** Counts below this are ranked by one packed float64 sort key when building a vocabulary. */
const SORT_COUNT_LIMIT = 2 ** 21;

/**
 * Load of the count maps: up to 3/4 of the slots used (the default 1/2 took 2x the memory for the
 * largest Kaggle features: C3's 10.1M values in 2^25 slots, 256 MiB, now 2^24, 128 MiB).
 */
const COUNT_MAX_LOAD = 0.75;

/** Default cap on distinct values counted per feature (2^20: at most 16 MiB of counts per feature). */
export const DEFAULT_MAX_DISTINCT_PER_FEATURE = 1 << 20;

/**
 * Counts raw values per feature (first pass of vocabulary building) in bounded memory.
 *
 * Each feature counts exactly in a typed-array hash map until it holds `maxDistinctPerFeature`
 * distinct values. When a new value would pass that cap, the feature is pruned the Misra-Gries way,
 * in one batch: every count is lowered by the median count m (at least half the entries reach 0 and
 * are dropped) and m is added to the feature's `undercount`. So a map never holds more than
 * `maxDistinctPerFeature` entries (fewer than 8/3 x that many slots of 8 bytes, 2 x when the cap is a
 * power of two, plus one map of that size while a prune rebuilds it): with the default cap memory stays
 * below 26 x 16 MiB = 416 MiB (plus 16 MiB during a prune),
 * whatever the number of rows or distinct values.
 *
 * Guarantees, per feature:
 * - never pruned (undercount 0): every count is exact, and `build` gives the same vocabulary as
 *   exact counting;
 * - pruned: a stored count c of a value satisfies c <= true count <= c + undercount, and
 *   undercount <= 2 N / maxDistinctPerFeature (N = non-missing values of the feature: each prune
 *   removes at least m from at least half of the cap). `build` keeps a value only when its stored
 *   count reaches minCount, so every kept value truly reaches minCount; a value whose true count is at
 *   least minCount + undercount is always kept (within the table cap). Values between the two may be
 *   sent to row 0, and the ranking of values is by their lower bounds.
 */
export class VocabularyCounter {
  readonly counts: U32Map[];
  /** [F] total amount subtracted from every count by prunes (0 = the feature's counts are exact). */
  readonly undercount: number[] = new Array<number>(NUM_CATEGORICAL).fill(0);
  /** [F] number of prunes per feature. */
  readonly prunes: number[] = new Array<number>(NUM_CATEGORICAL).fill(0);
  /** True once `build({ releaseCounts: true })` freed the counts. */
  private released = false;

  constructor(readonly maxDistinctPerFeature = DEFAULT_MAX_DISTINCT_PER_FEATURE) {
    if (!Number.isInteger(maxDistinctPerFeature) || maxDistinctPerFeature < 2) {
      throw new DatasetError(`maxDistinctPerFeature must be an integer of at least 2, got ${maxDistinctPerFeature}`, { field: 'maxDistinctPerFeature' });
    }
    this.counts = Array.from({ length: NUM_CATEGORICAL }, () => new U32Map(Math.min(4096, maxDistinctPerFeature), COUNT_MAX_LOAD));
  }

  add(row: RawRow): void {
    const categorical = row.categorical;
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      const raw = categorical[f];
      if (raw !== MISSING_CATEGORY) this.addValue(f, raw);
    }
  }

  /** Counts one non-missing raw value of feature f. */
  addValue(f: number, raw: number): void {
    if (this.released) throw new DatasetError('this vocabulary counter already built with releaseCounts; it cannot count again');
    const map = this.counts[f];
    if (map.size >= this.maxDistinctPerFeature && map.get(raw) === 0) this.prune(f);
    this.counts[f].add(raw, 1);
  }

  /** Largest number of distinct values any feature holds now (never above the cap). */
  largestSize(): number {
    return this.counts.reduce((most, map) => Math.max(most, map.size), 0);
  }

  /** Bytes of the count maps' typed arrays now. */
  bytes(): number {
    return this.counts.reduce((sum, map) => sum + map.capacityBytes(), 0);
  }

  /** Lowers every count of feature f by the median count and drops the entries that reach 0. */
  private prune(f: number): void {
    const map = this.counts[f];
    const values = new Uint32Array(map.size);
    let n = 0;
    map.forEach((_, count) => {
      values[n++] = count;
    });
    values.sort();
    const m = values[(n - 1) >> 1];
    const kept = new U32Map(this.maxDistinctPerFeature, COUNT_MAX_LOAD);
    map.forEach((key, count) => {
      if (count > m) kept.set(key, count - m);
    });
    this.counts[f] = kept;
    this.undercount[f] += m;
    this.prunes[f]++;
  }

  /**
   * Keeps values with (stored) count >= minCount, at most maxRows - 1 per feature, most frequent first.
   *
   * One feature at a time: its ranked values, then its lookup. With `releaseCounts`, the feature's
   * counts are freed before its lookup is built, so the counts not yet ranked live beside the lookups
   * built so far (at Kaggle size ~0.5 GB of counts, ~0.25 GB of lookups; holding both in full doubled
   * the peak). The counter cannot count or build again after that.
   */
  build(minCount: number, maxRows: number, options: { releaseCounts?: boolean } = {}): Vocabulary {
    if (this.released) throw new DatasetError('this vocabulary counter already built with releaseCounts; its counts are gone');
    const valuesByRow: Uint32Array[] = [];
    const lookups: VocabularyLookup[] = [];
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      const values = this.rankedValues(this.counts[f], minCount, maxRows);
      if (options.releaseCounts) this.counts[f] = new U32Map(16);
      valuesByRow.push(values);
      lookups.push(vocabularyLookup(values));
    }
    if (options.releaseCounts) this.released = true;
    return new Vocabulary(valuesByRow, minCount, lookups);
  }

  /** Values of one feature's counts with count >= minCount, most frequent first (ties by value), at most maxRows - 1. */
  private rankedValues(map: U32Map, minCount: number, maxRows: number): Uint32Array {
    // one float64 per kept value: (2^21 - count) * 2^32 + value sorts by count descending, then by
    // value, with a plain numeric typed-array sort (exact below 2^53). The few values counted 2^21
    // times or more (at most N / 2^21 of them) are sorted apart, by a comparator, and come first.
    let kept = 0;
    let frequent = 0;
    map.forEach((_, count) => {
      if (count >= minCount) kept++;
      if (count >= minCount && count >= SORT_COUNT_LIMIT) frequent++;
    });
    const order = new Float64Array(kept - frequent);
    const frequentKeys: number[] = [];
    const frequentCounts: number[] = [];
    let n = 0;
    map.forEach((key, count) => {
      if (count < minCount) return;
      if (count >= SORT_COUNT_LIMIT) {
        frequentKeys.push(key);
        frequentCounts.push(count);
      } else order[n++] = (SORT_COUNT_LIMIT - count) * 4294967296 + key;
    });
    order.sort();
    const frequentOrder = frequentKeys.map((_, i) => i).sort((a, b) => frequentCounts[b] - frequentCounts[a] || frequentKeys[a] - frequentKeys[b]);
    const size = Math.min(kept, Math.max(0, maxRows - 1));
    const values = new Uint32Array(size);
    for (let r = 0; r < size; r++) values[r] = r < frequent ? frequentKeys[frequentOrder[r]] : order[r - frequent] % 4294967296;
    return values;
  }
}

/** Maps raw rows to preprocessed values (dense log transform, categorical table rows). */
export class Preprocessor {
  /** Rows of each of the F tables. */
  readonly tableSizes: number[];

  constructor(readonly config: PreprocessConfig, readonly vocabulary: Vocabulary | null = null) {
    if (!Number.isInteger(config.hashSize) || config.hashSize < 1 || config.hashSize > 2 ** 31 - 1) {
      throw new DatasetError(`hashSize must be an integer from 1 to 2^31-1, got ${config.hashSize}`, { field: 'hashSize' });
    }
    if (config.categorical === 'vocab' && vocabulary === null) throw new DatasetError('a vocabulary preprocessor needs a vocabulary');
    this.tableSizes = vocabulary ? vocabulary.tableSizes() : new Array<number>(NUM_CATEGORICAL).fill(config.hashSize);
  }

  /** Table row of a raw category value (MISSING_CATEGORY for missing). */
  categoryRow(feature: number, raw: number): number {
    return this.vocabulary ? this.vocabulary.row(feature, raw) : hashedRow(raw, this.config.hashSize);
  }

  /** Writes row `index` of the [N, I] dense and [N, F] categorical blocks. */
  apply(row: RawRow, index: number, dense: Float32Array, categorical: Int32Array): void {
    const rawDense = row.dense;
    const denseBase = index * NUM_DENSE;
    for (let i = 0; i < NUM_DENSE; i++) {
      const x = rawDense[i];
      // most Criteo integers are small: a table of log(x + 1) saves the Math.log (same float32 result)
      dense[denseBase + i] = x > 0 ? (x < LOG_TABLE_SIZE ? LOG_TABLE[x] : Math.log(x + 1)) : 0;
    }
    const rawCategorical = row.categorical;
    const categoricalBase = index * NUM_CATEGORICAL;
    if (this.vocabulary) {
      for (let f = 0; f < NUM_CATEGORICAL; f++) categorical[categoricalBase + f] = this.vocabulary.row(f, rawCategorical[f]);
    } else {
      const size = this.config.hashSize;
      for (let f = 0; f < NUM_CATEGORICAL; f++) {
        const raw = rawCategorical[f];
        // raw - floor(raw / size) * size equals raw % size for integers below 2^53, and is faster
        categorical[categoricalBase + f] = raw < 0 ? 0 : raw - Math.floor(raw / size) * size;
      }
    }
  }

  toJSON(): PreprocessingState {
    return {
      categorical: this.config.categorical,
      hashSize: this.config.hashSize,
      minCount: this.config.minCount,
      vocabulary: this.vocabulary ? this.vocabulary.valuesByRow.map((values) => Array.from(values, categoryHex)) : null,
    };
  }

  static fromJSON(state: PreprocessingState): Preprocessor {
    const config: PreprocessConfig = { categorical: state.categorical, hashSize: state.hashSize, minCount: state.minCount };
    if (state.categorical === 'vocab') {
      if (!state.vocabulary) throw new DatasetError('preprocessing state of a vocabulary encoding lacks its vocabulary');
      const values = state.vocabulary.map((hexes) => Uint32Array.from(hexes, (hex) => parseInt(hex, 16)));
      return new Preprocessor(config, new Vocabulary(values, state.minCount));
    }
    return new Preprocessor(config, null);
  }
}

/** One edited field after preprocessing. */
export type PreprocessedField = { kind: 'dense'; index: number; value: number } | { kind: 'categorical'; index: number; row: number };

/**
 * Preprocesses one field given as text, e.g. an edit in the explore views: "I5" = "260" (or "260.0"
 * or "" for missing) -> log(261); "C3" = "68fd1e64" (or "" for missing) -> its table row.
 * Throws DatasetError naming the field for an unknown name or a malformed value.
 */
export function preprocessFieldText(preprocessor: Preprocessor, field: string, text: string): PreprocessedField {
  const denseMatch = /^I([1-9]|1[0-3])$/.exec(field);
  const value = text.trim();
  if (denseMatch) {
    const index = Number(denseMatch[1]) - 1;
    if (value === '') return { kind: 'dense', index, value: 0 };
    if (!/^[+-]?[0-9]+(\.0*)?$/.test(value)) throw new DatasetError(`${field} must be an integer, got "${text}"`, { field });
    return { kind: 'dense', index, value: Math.fround(denseValue(parseFloat(value))) };
  }
  const categoricalMatch = /^C([1-9]|1[0-9]|2[0-6])$/.exec(field);
  if (categoricalMatch) {
    const index = Number(categoricalMatch[1]) - 1;
    if (value === '') return { kind: 'categorical', index, row: preprocessor.categoryRow(index, MISSING_CATEGORY) };
    if (!/^[0-9a-fA-F]{1,8}$/.test(value)) throw new DatasetError(`${field} must be 1 to 8 hexadecimal digits, got "${text}"`, { field });
    return { kind: 'categorical', index, row: preprocessor.categoryRow(index, parseInt(value, 16)) };
  }
  throw new DatasetError(`unknown field "${field}"; expected I1..I13 or C1..C26`, { field });
}
