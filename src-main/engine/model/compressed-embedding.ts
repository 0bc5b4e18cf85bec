/**
 * Over 400 lines: two table kinds (QR, mixed-dim), each with its forward and explicit backward, beside the contract they share.
 * Memory-saving embedding tables (issue #15), each an EmbeddingTables with its own explicit backward:
 * - QuotientRemainderBags (Shi et al. 2019): value i of a table of n rows is
 *   Q[floor(i / m)] (x) R[i mod m], (x) the element-wise product or sum; Q is [ceil(n / m), D] and R
 *   [m, D], so the table costs (ceil(n / m) + m) D numbers instead of n D and every value is still a
 *   distinct (quotient, remainder) pair.
 * - MixedDimensionBags (Ginart et al. 2019, two popularity blocks): rows [0, h) keep D columns (the
 *   hot block: the most frequent values when the vocabulary orders rows by count), rows [h, n) get
 *   c < D columns and share a learned projection P [c, D]: value i >= h is cold[i - h] P.
 * - HalfPrecisionBags: full tables stored as fp16 or bf16 (2 bytes a number); pooling decodes to
 *   float32, updates are computed in float32 on the touched rows and rounded back to nearest.
 *
 * Bags are sum-pooled, as EmbeddingBagCollection does. Stored tables (what the sparse optimizer
 * updates) are listed feature by feature: [Q_0, R_0, Q_1, R_1, ...] or [hot_0, cold_0, P_0, ...].
 * Shapes: B batch, F features, D the pooled width, c the cold width.
 */
import type { EmbeddingCompressionSpec, TablePrecision } from '../../domain';
import type { JaggedIndices } from '../data/types';
import type { Rng } from '../random/rng';
import { EmbeddingBagCollection } from './embedding';
import type { EmbeddingTables, RowUpdater, SparseRowGradient } from './embedding-tables';
import { tableParts, type TablePart } from './table-layout';

/** What kind of tables a DLRM has (absent fields: full float32 tables). */
export interface TableOptions {
  compression?: EmbeddingCompressionSpec;
  tablePrecision?: TablePrecision;
}

/**
 * The tables of a model: fresh (initialised from rng) or from stored float32 tables (as saved by
 * checkpoints and model files: the stored tables, in order).
 * @param featureRows logical rows of each feature's table, [F].
 */
export function createEmbeddingTables(options: TableOptions, featureRows: readonly number[], dim: number, source: { rng: Rng } | { tables: Float32Array[] }): EmbeddingTables {
  const precision = options.tablePrecision ?? 'fp32';
  const compression = options.compression;
  if (compression && precision !== 'fp32') throw new Error(`tablePrecision ${precision} applies to full tables only`);
  if (compression?.kind === 'qr') {
    return 'rng' in source ? QuotientRemainderBags.initialized(featureRows, dim, compression, source.rng) : new QuotientRemainderBags(featureRows, dim, compression, source.tables);
  }
  if (compression?.kind === 'mixed-dim') {
    return 'rng' in source ? MixedDimensionBags.initialized(featureRows, dim, compression, source.rng) : new MixedDimensionBags(featureRows, dim, compression, source.tables);
  }
  if (precision !== 'fp32') {
    return 'rng' in source ? HalfPrecisionBags.initialized(featureRows, dim, precision, source.rng) : HalfPrecisionBags.fromFloat32(featureRows, dim, precision, source.tables);
  }
  return 'rng' in source ? EmbeddingBagCollection.initialized(featureRows, dim, source.rng) : new EmbeddingBagCollection(featureRows, dim, source.tables);
}

/**
 * Accumulates one stored table's row gradients: a slot per distinct row (first-seen order), summed.
 * The row -> slot scratch is made on first use (4 bytes a stored row) and reset after each use.
 */
class RowGradientAccumulator {
  private slots: Int32Array | null = null;
  private rows = new Int32Array(0);
  private values = new Float32Array(0);
  private unique = 0;

  constructor(
    readonly tableRows: number,
    readonly width: number,
  ) {}

  /** Starts a gradient of at most `capacity` distinct rows. */
  begin(capacity: number): void {
    this.slots ??= new Int32Array(this.tableRows).fill(-1);
    const cap = Math.min(capacity, this.tableRows);
    this.rows = new Int32Array(cap);
    this.values = new Float32Array(cap * this.width);
    this.unique = 0;
  }

  /** Offset of row's gradient in values(), making its slot on first use. */
  offsetOf(row: number): number {
    const slots = this.slots as Int32Array;
    let slot = slots[row];
    if (slot < 0) {
      slot = this.unique++;
      slots[row] = slot;
      this.rows[slot] = row;
    }
    return slot * this.width;
  }

  get gradientValues(): Float32Array {
    return this.values;
  }

  finish(): SparseRowGradient {
    const slots = this.slots as Int32Array;
    for (let u = 0; u < this.unique; u++) slots[this.rows[u]] = -1;
    return { rows: this.rows.subarray(0, this.unique), values: this.values.subarray(0, this.unique * this.width) };
  }
}

/** Fills a table with the reference initialisation U(-sqrt(1/n), sqrt(1/n)). */
function uniformInit(table: Float32Array, n: number, rng: Rng): void {
  const bound = Math.sqrt(1 / Math.max(1, n));
  for (let i = 0; i < table.length; i++) table[i] = rng.uniformIn(-bound, bound);
}

/** Checks a bag index against its feature's logical rows. */
function checkIndex(row: number, rows: number, f: number, b: number): void {
  if (row < 0 || row >= rows || !Number.isInteger(row)) throw new Error(`feature ${f}, batch row ${b}: index ${row} is outside its table of ${rows} rows`);
}

/** What the compressed kinds share: stored float32 tables listed feature by feature, pooling over bags. */
abstract class PartedBags implements EmbeddingTables {
  readonly tables: Float32Array[];
  readonly tableSizes: number[];
  readonly tableWidths: number[];
  /** First stored table of each feature. */
  protected readonly firstPart: number[];
  protected readonly accumulators: RowGradientAccumulator[];

  protected constructor(
    readonly featureRows: readonly number[],
    readonly dim: number,
    partsOf: (rows: number) => TablePart[],
    tables?: Float32Array[],
  ) {
    const layout = featureRows.map((rows, f) => {
      if (!Number.isInteger(rows) || rows <= 0) throw new Error(`table ${f}: size must be a positive integer, got ${rows}`);
      return partsOf(rows);
    });
    this.firstPart = [];
    const parts: TablePart[] = [];
    for (const featureParts of layout) {
      this.firstPart.push(parts.length);
      parts.push(...featureParts);
    }
    if (tables && tables.length !== parts.length) throw new Error(`got ${tables.length} stored tables, expected ${parts.length}`);
    this.tables = parts.map((p, t) => {
      const table = tables ? tables[t] : new Float32Array(p.rows * p.width);
      if (table.length !== p.rows * p.width) throw new Error(`stored table ${t} (${p.role}): expected ${p.rows}x${p.width} floats, got ${table.length}`);
      return table;
    });
    this.tableSizes = parts.map((p) => p.rows);
    this.tableWidths = parts.map((p) => p.width);
    this.accumulators = parts.map((p) => new RowGradientAccumulator(p.rows, p.width));
  }

  get numFeatures(): number {
    return this.featureRows.length;
  }

  get paramCount(): number {
    return this.tables.reduce((n, t) => n + t.length, 0);
  }

  get storedBytes(): number {
    return this.tables.reduce((n, t) => n + t.byteLength, 0);
  }

  /** Adds value `row` of feature f to out[o, o + D). */
  protected abstract addValue(f: number, row: number, out: Float32Array, o: number): void;

  /** Backward of addValue for one use of `row` with pooled gradient g[o, o + D). */
  protected abstract addValueGradient(f: number, row: number, g: Float32Array, o: number): void;

  /** Starts feature f's gradients for a batch that uses `uses` values of it. */
  protected abstract beginFeature(f: number, uses: number): void;

  /** Stored tables of each feature. */
  protected abstract partCount(): number;

  pool(sparse: JaggedIndices, out?: Float32Array): Float32Array {
    return this.poolRows(sparse, 0, sparse.batchSize, out);
  }

  poolRows(sparse: JaggedIndices, start: number, end: number, out?: Float32Array): Float32Array {
    const { batchSize: B, numFeatures: F, values, offsets } = sparse;
    const D = this.dim;
    if (F !== this.numFeatures) throw new Error(`batch has ${F} categorical features but the model has ${this.numFeatures} tables`);
    if (!(0 <= start && start <= end && end <= B)) throw new Error(`rows [${start}, ${end}) are outside a batch of ${B}`);
    const pooled = out ?? new Float32Array((end - start) * F * D);
    if (out) pooled.fill(0, 0, (end - start) * F * D);
    for (let f = 0; f < F; f++) {
      const rows = this.featureRows[f];
      for (let b = start; b < end; b++) {
        const o = ((b - start) * F + f) * D;
        for (let k = offsets[f * B + b]; k < offsets[f * B + b + 1]; k++) {
          const row = values[k];
          checkIndex(row, rows, f, b);
          this.addValue(f, row, pooled, o);
        }
      }
    }
    return pooled;
  }

  rowGradients(sparse: JaggedIndices, pooledGradient: Float32Array): SparseRowGradient[] {
    const { batchSize: B, numFeatures: F, values, offsets } = sparse;
    const D = this.dim;
    const result: SparseRowGradient[] = [];
    for (let f = 0; f < F; f++) {
      this.beginFeature(f, offsets[f * B + B] - offsets[f * B]);
      for (let b = 0; b < B; b++) {
        const o = (b * F + f) * D;
        for (let k = offsets[f * B + b]; k < offsets[f * B + b + 1]; k++) this.addValueGradient(f, values[k], pooledGradient, o);
      }
      for (let p = 0; p < this.partCount(); p++) result.push(this.accumulators[this.firstPart[f] + p].finish());
    }
    return result;
  }

  rowGradientsOf(): SparseRowGradient {
    throw new Error('compressed embedding tables train on one thread (rowGradientsOf is for two-thread training of full tables)');
  }

  applyRowGradients(gradients: readonly SparseRowGradient[], optimizer: RowUpdater, learningRate: number): void {
    gradients.forEach((g, t) => optimizer.apply(t, this.tables[t], g, learningRate));
  }

  shareTables(): Float32Array[] {
    throw new Error('compressed embedding tables train on one thread (they are not shared with a second one)');
  }

  featureMatrix(f: number): Float32Array {
    const D = this.dim;
    const rows = this.featureRows[f];
    const out = new Float32Array(rows * D);
    for (let row = 0; row < rows; row++) this.addValue(f, row, out, row * D);
    return out;
  }
}

/** Quotient-remainder tables: value i = Q[floor(i / m)] (x) R[i mod m]. */
export class QuotientRemainderBags extends PartedBags {
  readonly remainderRows: number;
  readonly combine: 'product' | 'sum';

  /** @param tables stored tables [Q_0, R_0, Q_1, R_1, ...] (default: zeros). */
  constructor(featureRows: readonly number[], dim: number, spec: Extract<EmbeddingCompressionSpec, { kind: 'qr' }>, tables?: Float32Array[]) {
    super(featureRows, dim, (rows) => tableParts(spec, rows, dim), tables);
    this.remainderRows = spec.remainderRows;
    this.combine = spec.combine;
  }

  /**
   * Initialisation: sum-combined tables draw U(-sqrt(1/n), sqrt(1/n)) / 2 in each part (the sum of a
   * value's two rows stays within the full table's bound). Product-combined ones draw the part with
   * more rows (the finer one, which tells most values apart) U(-b, b) with b = sqrt(1/n), like a full
   * table, and the other part U(0.5, 1.5): a value's vector starts near the full table's scale, and the
   * finer part's gradient g (x) coarse row is not scaled down by a small coarse row.
   */
  static initialized(featureRows: readonly number[], dim: number, spec: Extract<EmbeddingCompressionSpec, { kind: 'qr' }>, rng: Rng): QuotientRemainderBags {
    const bags = new QuotientRemainderBags(featureRows, dim, spec);
    featureRows.forEach((n, f) => {
      const quotient = bags.tables[2 * f];
      const remainder = bags.tables[2 * f + 1];
      const bound = Math.sqrt(1 / n);
      if (spec.combine === 'sum') {
        for (let i = 0; i < quotient.length; i++) quotient[i] = rng.uniformIn(-bound / 2, bound / 2);
        for (let i = 0; i < remainder.length; i++) remainder[i] = rng.uniformIn(-bound / 2, bound / 2);
      } else {
        const [fine, coarse] = remainder.length >= quotient.length ? [remainder, quotient] : [quotient, remainder];
        uniformInit(fine, n, rng);
        for (let i = 0; i < coarse.length; i++) coarse[i] = rng.uniformIn(0.5, 1.5);
      }
    });
    return bags;
  }

  protected partCount(): number {
    return 2;
  }

  /** Rows of feature f's remainder table (m, or n when the table is smaller). */
  private modulus(f: number): number {
    return this.tableSizes[this.firstPart[f] + 1];
  }

  protected addValue(f: number, row: number, out: Float32Array, o: number): void {
    const D = this.dim;
    const m = this.modulus(f);
    const q = Math.floor(row / m) * D;
    const r = (row % m) * D;
    const quotient = this.tables[this.firstPart[f]];
    const remainder = this.tables[this.firstPart[f] + 1];
    if (this.combine === 'product') for (let d = 0; d < D; d++) out[o + d] += quotient[q + d] * remainder[r + d];
    else for (let d = 0; d < D; d++) out[o + d] += quotient[q + d] + remainder[r + d];
  }

  protected beginFeature(f: number, uses: number): void {
    this.accumulators[this.firstPart[f]].begin(uses);
    this.accumulators[this.firstPart[f] + 1].begin(uses);
  }

  protected addValueGradient(f: number, row: number, g: Float32Array, o: number): void {
    const D = this.dim;
    const m = this.modulus(f);
    const qRow = Math.floor(row / m);
    const rRow = row % m;
    const quotientGradient = this.accumulators[this.firstPart[f]];
    const remainderGradient = this.accumulators[this.firstPart[f] + 1];
    const qo = quotientGradient.offsetOf(qRow);
    const ro = remainderGradient.offsetOf(rRow);
    const dq = quotientGradient.gradientValues;
    const dr = remainderGradient.gradientValues;
    if (this.combine === 'product') {
      const quotient = this.tables[this.firstPart[f]];
      const remainder = this.tables[this.firstPart[f] + 1];
      const q = qRow * D;
      const r = rRow * D;
      for (let d = 0; d < D; d++) {
        dq[qo + d] += g[o + d] * remainder[r + d];
        dr[ro + d] += g[o + d] * quotient[q + d];
      }
    } else {
      for (let d = 0; d < D; d++) {
        dq[qo + d] += g[o + d];
        dr[ro + d] += g[o + d];
      }
    }
  }
}

/** Mixed-dimension tables: hot rows [h, D]; cold rows [n - h, c] times a projection [c, D]. */
export class MixedDimensionBags extends PartedBags {
  readonly coldDim: number;
  /** h of each feature: its hot rows. */
  private readonly hotCount: number[];

  /** @param tables stored tables [hot_0, cold_0, P_0, hot_1, ...] (default: zeros). */
  constructor(featureRows: readonly number[], dim: number, spec: Extract<EmbeddingCompressionSpec, { kind: 'mixed-dim' }>, tables?: Float32Array[]) {
    super(featureRows, dim, (rows) => tableParts(spec, rows, dim), tables);
    this.coldDim = spec.coldDim;
    this.hotCount = featureRows.map((_, f) => this.tableSizes[this.firstPart[f]]);
  }

  /**
   * Initialisation: hot and cold rows U(-sqrt(1/n), sqrt(1/n)) as full tables; the projection
   * U(-sqrt(1/c), sqrt(1/c)) (a linear layer's bound), so a cold vector starts at about the hot scale.
   */
  static initialized(featureRows: readonly number[], dim: number, spec: Extract<EmbeddingCompressionSpec, { kind: 'mixed-dim' }>, rng: Rng): MixedDimensionBags {
    const bags = new MixedDimensionBags(featureRows, dim, spec);
    featureRows.forEach((n, f) => {
      uniformInit(bags.tables[3 * f], n, rng);
      uniformInit(bags.tables[3 * f + 1], n, rng);
      uniformInit(bags.tables[3 * f + 2], spec.coldDim, rng);
    });
    return bags;
  }

  protected partCount(): number {
    return 3;
  }

  protected addValue(f: number, row: number, out: Float32Array, o: number): void {
    const D = this.dim;
    const h = this.hotCount[f];
    const first = this.firstPart[f];
    if (row < h) {
      const hot = this.tables[first];
      for (let d = 0; d < D; d++) out[o + d] += hot[row * D + d];
      return;
    }
    const c = this.coldDim;
    const cold = this.tables[first + 1];
    const projection = this.tables[first + 2];
    const s = (row - h) * c;
    for (let k = 0; k < c; k++) {
      const x = cold[s + k];
      const p = k * D;
      for (let d = 0; d < D; d++) out[o + d] += x * projection[p + d];
    }
  }

  protected beginFeature(f: number, uses: number): void {
    const first = this.firstPart[f];
    this.accumulators[first].begin(uses);
    this.accumulators[first + 1].begin(uses);
    this.accumulators[first + 2].begin(this.coldDim);
  }

  protected addValueGradient(f: number, row: number, g: Float32Array, o: number): void {
    const D = this.dim;
    const h = this.hotCount[f];
    const first = this.firstPart[f];
    if (row < h) {
      const hotGradient = this.accumulators[first];
      const at = hotGradient.offsetOf(row);
      const values = hotGradient.gradientValues;
      for (let d = 0; d < D; d++) values[at + d] += g[o + d];
      return;
    }
    const c = this.coldDim;
    const cold = this.tables[first + 1];
    const projection = this.tables[first + 2];
    const coldGradient = this.accumulators[first + 1];
    const projectionGradient = this.accumulators[first + 2];
    const at = coldGradient.offsetOf(row - h);
    const dCold = coldGradient.gradientValues;
    const dProjection = projectionGradient.gradientValues;
    const s = (row - h) * c;
    for (let k = 0; k < c; k++) {
      // d/d cold[k] = sum_d g[d] P[k, d];  d/d P[k, d] = cold[k] g[d]
      const p = k * D;
      const pk = projectionGradient.offsetOf(k);
      const x = cold[s + k];
      let sum = 0;
      for (let d = 0; d < D; d++) {
        sum += g[o + d] * projection[p + d];
        dProjection[pk + d] += x * g[o + d];
      }
      dCold[at + k] += sum;
    }
  }
}

/** Float32 value of every fp16 bit pattern. */
let halfTable: Float32Array | null = null;
/** Float32 value of every bf16 bit pattern. */
let bfloatTable: Float32Array | null = null;

const conversion = new DataView(new ArrayBuffer(4));

/** Float32 of an IEEE half's bits (subnormals, infinities and NaN included). */
function halfBitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The decode table of a precision: 65,536 float32 values (256 KiB), made once. */
export function decodeTable(precision: 'fp16' | 'bf16'): Float32Array {
  if (precision === 'fp16') {
    if (!halfTable) {
      halfTable = new Float32Array(65536);
      for (let h = 0; h < 65536; h++) halfTable[h] = halfBitsToNumber(h);
    }
    return halfTable;
  }
  if (!bfloatTable) {
    bfloatTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      conversion.setUint32(0, h << 16);
      bfloatTable[h] = conversion.getFloat32(0);
    }
  }
  return bfloatTable;
}

/** Float32 values of 16-bit numbers (a decoded copy). */
export function decodeBits(bits: Uint16Array, precision: 'fp16' | 'bf16'): Float32Array {
  const table = decodeTable(precision);
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/**
 * 16-bit numbers of float32 values, rounded to nearest even. A plain loop: Uint16Array.from(values,
 * mapFn) first collects every value in a JS list, which fails past V8's array length (a 10M-row
 * table at D = 16 is 162M values).
 */
export function encodeBits(values: Float32Array, precision: 'fp16' | 'bf16'): Uint16Array {
  const encode = precision === 'fp16' ? toHalfBits : toBfloatBits;
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = encode(values[i]);
  return out;
}

/** IEEE half bits of x, rounded to nearest even (overflow to infinity, underflow through subnormals to zero). */
export function toHalfBits(x: number): number {
  conversion.setFloat32(0, x);
  const bits = conversion.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // a carry out of the mantissa moves to the next exponent (or to infinity), as rounding should
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** bfloat16 bits of x (the upper half of its float32 bits), rounded to nearest even. */
export function toBfloatBits(x: number): number {
  conversion.setFloat32(0, x);
  const bits = conversion.getUint32(0);
  if (Number.isNaN(x)) return 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Full tables stored in 16 bits a number (fp16 or bf16), computed in float32. */
export class HalfPrecisionBags implements EmbeddingTables {
  /** Table f's bits, row-major [featureRows[f], D]. */
  readonly stored: Uint16Array[];
  private readonly decode: Float32Array;
  private readonly encode: (x: number) => number;
  private readonly accumulators: RowGradientAccumulator[];

  constructor(
    readonly featureRows: readonly number[],
    readonly dim: number,
    readonly precision: 'fp16' | 'bf16',
    stored?: Uint16Array[],
  ) {
    if (stored && stored.length !== featureRows.length) throw new Error(`got ${stored.length} tables for ${featureRows.length} table sizes`);
    this.stored = featureRows.map((rows, f) => {
      if (!Number.isInteger(rows) || rows <= 0) throw new Error(`table ${f}: size must be a positive integer, got ${rows}`);
      const t = stored ? stored[f] : new Uint16Array(rows * dim);
      if (t.length !== rows * dim) throw new Error(`table ${f}: expected ${rows}x${dim} numbers, got ${t.length}`);
      return t;
    });
    this.decode = decodeTable(precision);
    this.encode = precision === 'fp16' ? toHalfBits : toBfloatBits;
    this.accumulators = featureRows.map((rows) => new RowGradientAccumulator(rows, dim));
  }

  static initialized(featureRows: readonly number[], dim: number, precision: 'fp16' | 'bf16', rng: Rng): HalfPrecisionBags {
    const bags = new HalfPrecisionBags(featureRows, dim, precision);
    bags.stored.forEach((table, f) => {
      const bound = Math.sqrt(1 / featureRows[f]);
      for (let i = 0; i < table.length; i++) table[i] = bags.encode(rng.uniformIn(-bound, bound));
    });
    return bags;
  }

  /** Rounds float32 tables [rows_f, D] to the precision. */
  static fromFloat32(featureRows: readonly number[], dim: number, precision: 'fp16' | 'bf16', tables: readonly Float32Array[]): HalfPrecisionBags {
    return new HalfPrecisionBags(featureRows, dim, precision, tables.map((t) => encodeBits(t, precision)));
  }

  get numFeatures(): number {
    return this.featureRows.length;
  }
  get tableSizes(): readonly number[] {
    return this.featureRows;
  }
  get tableWidths(): readonly number[] {
    return this.featureRows.map(() => this.dim);
  }
  /** Float32 copies of the tables (what checkpoints and model files save). */
  get tables(): Float32Array[] {
    return this.stored.map((_, f) => this.featureMatrix(f));
  }
  get storedBytes(): number {
    return this.stored.reduce((n, t) => n + t.byteLength, 0);
  }
  get paramCount(): number {
    return this.stored.reduce((n, t) => n + t.length, 0);
  }

  pool(sparse: JaggedIndices, out?: Float32Array): Float32Array {
    return this.poolRows(sparse, 0, sparse.batchSize, out);
  }

  poolRows(sparse: JaggedIndices, start: number, end: number, out?: Float32Array): Float32Array {
    const { batchSize: B, numFeatures: F, values, offsets } = sparse;
    const D = this.dim;
    const decode = this.decode;
    if (F !== this.stored.length) throw new Error(`batch has ${F} categorical features but the model has ${this.stored.length} tables`);
    if (!(0 <= start && start <= end && end <= B)) throw new Error(`rows [${start}, ${end}) are outside a batch of ${B}`);
    const pooled = out ?? new Float32Array((end - start) * F * D);
    if (out) pooled.fill(0, 0, (end - start) * F * D);
    for (let f = 0; f < F; f++) {
      const table = this.stored[f];
      for (let b = start; b < end; b++) {
        const o = ((b - start) * F + f) * D;
        for (let k = offsets[f * B + b]; k < offsets[f * B + b + 1]; k++) {
          const row = values[k];
          checkIndex(row, this.featureRows[f], f, b);
          const s = row * D;
          for (let d = 0; d < D; d++) pooled[o + d] += decode[table[s + d]];
        }
      }
    }
    return pooled;
  }

  rowGradients(sparse: JaggedIndices, pooledGradient: Float32Array): SparseRowGradient[] {
    return this.stored.map((_, f) => this.rowGradientsOf(sparse, pooledGradient, f));
  }

  /** Sum-pooling's backward does not read the table: the same rows and sums as a float32 table's. */
  rowGradientsOf(sparse: JaggedIndices, pooledGradient: Float32Array, f: number): SparseRowGradient {
    const { batchSize: B, numFeatures: F, values, offsets } = sparse;
    const D = this.dim;
    const accumulator = this.accumulators[f];
    accumulator.begin(offsets[f * B + B] - offsets[f * B]);
    const grads = accumulator.gradientValues;
    for (let b = 0; b < B; b++) {
      const g = (b * F + f) * D;
      for (let k = offsets[f * B + b]; k < offsets[f * B + b + 1]; k++) {
        const o = accumulator.offsetOf(values[k]);
        for (let d = 0; d < D; d++) grads[o + d] += pooledGradient[g + d];
      }
    }
    return accumulator.finish();
  }

  /** Decodes each touched row to float32, lets the optimizer update it there, rounds it back. */
  applyRowGradients(gradients: readonly SparseRowGradient[], optimizer: RowUpdater, learningRate: number): void {
    const D = this.dim;
    gradients.forEach((g, f) => {
      const table = this.stored[f];
      const U = g.rows.length;
      const block = new Float32Array(U * D);
      for (let u = 0; u < U; u++) {
        const s = g.rows[u] * D;
        for (let d = 0; d < D; d++) block[u * D + d] = this.decode[table[s + d]];
      }
      optimizer.apply(f, block, g, learningRate, true);
      for (let u = 0; u < U; u++) {
        const s = g.rows[u] * D;
        for (let d = 0; d < D; d++) table[s + d] = this.encode(block[u * D + d]);
      }
    });
  }

  shareTables(): Float32Array[] {
    throw new Error('half-precision tables train on one thread (they are not shared with a second one)');
  }

  featureMatrix(f: number): Float32Array {
    return decodeBits(this.stored[f], this.precision);
  }
}
