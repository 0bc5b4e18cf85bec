/**
 * Embedding bags on the device: every table's rows in one global row space split into chunk buffers
 * (each at most the storage-binding cap), ONE kernel that pools every table's bags (sum or mean), and
 * ONE kernel that takes the pooled gradient back to the rows and applies the sparse optimizer (SGD or
 * row-wise Adagrad, with weight decay) in place.
 *
 * Duplicates are exact by a segment reduce: the host groups a batch's lookups by (table, row) while
 * it uploads the indices (O(lookups) integer work, LookupPlanner), and each distinct row is owned by
 * one invocation that sums its segment of pooled-gradient rows in lookup order, then updates the row.
 * No two invocations touch one row, so there are no atomics, and the sums are in the CPU path's order.
 *
 * Tables are stored as float32, or in 16 bits a number (fp16 or bf16: two numbers a u32, D a multiple
 * of 4) with float32 arithmetic: a row is decoded to float32 where it is read, and a touched row is
 * updated in float32 and rounded back (to nearest even), as the host's HalfPrecisionBags does.
 *
 * When the chunks outnumber the storage buffers a kernel may bind, they are taken in groups, one
 * dispatch per group (each skips the rows outside its group; groups after the first add to the pool).
 *
 * Shapes: B batch (padded to a multiple of 4 on the device), F tables, D dim, R_f rows of table f,
 * L lookups of a batch (sum of bag sizes), U distinct rows among them.
 */
import type { JaggedIndices } from '../../data/types';
import { f32Literal, WGSL_LINEAR, WORKGROUP } from './resources';
import { chunkAccess, rowVector, type TableStorage } from './table-storage';

export type Pooling = 'sum' | 'mean';
export type SparseRule = 'sgd' | 'rowwise-adagrad';

/** Where every table row lives on the device. */
export interface TableLayout {
  dim: number;
  tableSizes: readonly number[];
  /** Global row of row 0 of each table, [F]. */
  tableBase: number[];
  totalRows: number;
  /** Rows in each chunk (the last one may hold fewer). */
  rowsPerChunk: number;
  /** Number of chunk buffers. */
  chunks: number;
  /** Chunks per kernel group (dispatch). */
  chunksPerGroup: number;
  storage: TableStorage;
  /** 4 for f32, 2 for fp16 and bf16. */
  bytesPerValue: number;
}

/**
 * @param maxChunkBytes bytes one chunk may hold (the adapter's storage-binding size, or less).
 * @param chunksPerGroup how many chunks one dispatch may bind.
 */
export function tableLayout(tableSizes: readonly number[], dim: number, maxChunkBytes: number, chunksPerGroup: number, storage: TableStorage = 'f32'): TableLayout {
  if (storage !== 'f32' && dim % 4 !== 0) throw new Error(`${storage} tables on the device need an embedding dimension that is a multiple of 4, got ${dim}`);
  const bytesPerValue = storage === 'f32' ? 4 : 2;
  const tableBase: number[] = [];
  let total = 0;
  for (const rows of tableSizes) {
    tableBase.push(total);
    total += rows;
  }
  const rowsPerChunk = Math.floor(maxChunkBytes / (dim * bytesPerValue));
  if (rowsPerChunk < 1) throw new Error(`one table row (${dim} numbers, ${dim * bytesPerValue} bytes) is larger than a storage binding of ${maxChunkBytes} bytes`);
  if (total >= 2 ** 32) throw new Error(`${total} table rows in all: more than the 2^32 that 32-bit row ids address`);
  const chunks = Math.ceil(total / rowsPerChunk);
  return { dim, tableSizes, tableBase, totalRows: total, rowsPerChunk, chunks, chunksPerGroup: Math.max(1, Math.min(chunks, chunksPerGroup)), storage, bytesPerValue };
}

/** Rows held by chunk c. */
export function chunkRows(layout: TableLayout, c: number): number {
  return Math.min(layout.rowsPerChunk, layout.totalRows - c * layout.rowsPerChunk);
}

/** Chunk indices of each group: [[0, 1], [2, 3], [4]] for 5 chunks in groups of 2. */
export function chunkGroups(layout: TableLayout): number[][] {
  const groups: number[][] = [];
  for (let c = 0; c < layout.chunks; c += layout.chunksPerGroup) {
    groups.push(Array.from({ length: Math.min(layout.chunksPerGroup, layout.chunks - c) }, (_, i) => c + i));
  }
  return groups;
}

/**
 * WGSL of the pooling kernel of one chunk group. Bindings: chunks of the group (read), values [L]
 * i32, offsets [F * B + 1] i32, pooled [B, F, D] (written by the first group, added to by the others).
 * One invocation per bag (f, b), bags in feature-major order as the offsets are.
 */
export function poolKernel(layout: TableLayout, group: readonly number[], batch: number, pooling: Pooling, first: boolean): string {
  const F = layout.tableSizes.length;
  const v = rowVector(layout.dim);
  const G = group.length;
  const lo = group[0] * layout.rowsPerChunk;
  const hi = Math.min(layout.totalRows, (group[G - 1] + 1) * layout.rowsPerChunk);
  const access = chunkAccess(layout);
  const chunkDecls = group.map((_, i) => `@group(0) @binding(${i}) var<storage, read> chunk${i}: array<${access.type}>;`).join('\n');
  const cases = group
    .map((_, i) => `    case ${i}u: { for (var j = 0u; j < ${v.count}u; j++) { acc[j] += ${access.read(`chunk${i}[local + j]`)}; } }`)
    .join('\n');
  return /* wgsl */ `
${chunkDecls}${access.helpers}
@group(0) @binding(${G}) var<storage, read> values: array<i32>;
@group(0) @binding(${G + 1}) var<storage, read> offsets: array<i32>;
@group(0) @binding(${G + 2}) var<storage, read_write> pooled: array<${v.type}>;
const TABLE_BASE = array<u32, ${F}>(${layout.tableBase.map((b) => `${b}u`).join(', ')});
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let bag = linearIndex(gid, groups);
  if (bag >= ${F * batch}u) { return; }
  let f = bag / ${batch}u;
  let b = bag - f * ${batch}u;
  var acc: array<${v.type}, ${v.count}>;
  let start = u32(offsets[bag]);
  let end = u32(offsets[bag + 1u]);
  for (var k = start; k < end; k++) {
    let row = TABLE_BASE[f] + u32(values[k]);
    if (row < ${lo}u || row >= ${hi}u) { continue; }
    let c = (row - ${lo}u) / ${layout.rowsPerChunk}u;
    let local = (row - ${lo}u - c * ${layout.rowsPerChunk}u) * ${v.count}u;
    switch (c) {
${cases}
      default: {}
    }
  }
  let out = (b * ${F}u + f) * ${v.count}u;
  ${pooling === 'mean' ? `let scale = select(1.0, 1.0 / f32(end - start), end > start);` : ''}
  for (var j = 0u; j < ${v.count}u; j++) {
    ${pooling === 'mean' ? 'acc[j] *= scale;' : ''}
    pooled[out + j] = ${first ? 'acc[j]' : 'pooled[out + j] + acc[j]'};
  }
}
`;
}

/**
 * WGSL of the fused backward + sparse optimizer of one chunk group. Bindings: chunks (read_write),
 * then for row-wise Adagrad the accumulator chunks (read_write, one float a row, same rows as the
 * table chunks), unique rows [U] u32, segment starts [U + 1] u32, segment bags [L] u32 (b * F + f of
 * each lookup, grouped by row), pooled gradient [B, F, D], offsets (mean pooling only), step params.
 * One invocation per distinct row: g = sum of its segment, (+ wd w), then the rule, in place.
 */
export function sparseUpdateKernel(
  layout: TableLayout,
  group: readonly number[],
  batch: number,
  options: { rule: SparseRule; pooling: Pooling; weightDecay: number; paramsStruct: string },
): string {
  const F = layout.tableSizes.length;
  const D = layout.dim;
  const v = rowVector(D);
  const G = group.length;
  const lo = group[0] * layout.rowsPerChunk;
  const hi = Math.min(layout.totalRows, (group[G - 1] + 1) * layout.rowsPerChunk);
  const adagrad = options.rule === 'rowwise-adagrad';
  const mean = options.pooling === 'mean';
  let binding = 0;
  const decls: string[] = [];
  const access = chunkAccess(layout);
  for (let i = 0; i < G; i++) decls.push(`@group(0) @binding(${binding++}) var<storage, read_write> chunk${i}: array<${access.type}>;`);
  if (adagrad) for (let i = 0; i < G; i++) decls.push(`@group(0) @binding(${binding++}) var<storage, read_write> accum${i}: array<f32>;`);
  decls.push(`@group(0) @binding(${binding++}) var<storage, read> uniqueRows: array<u32>;`);
  decls.push(`@group(0) @binding(${binding++}) var<storage, read> segmentStart: array<u32>;`);
  decls.push(`@group(0) @binding(${binding++}) var<storage, read> segmentBag: array<u32>;`);
  decls.push(`@group(0) @binding(${binding++}) var<storage, read> pooledGrad: array<${v.type}>;`);
  if (mean) decls.push(`@group(0) @binding(${binding++}) var<storage, read> offsets: array<i32>;`);
  decls.push(`@group(0) @binding(${binding++}) var<uniform> params: StepParams;`);
  const wd = options.weightDecay;
  const update = (i: number): string => {
    const lines = [`      for (var j = 0u; j < ${v.count}u; j++) {`];
    const element = `chunk${i}[local + j]`;
    if (wd > 0) lines.push(`        g[j] += ${f32Literal(wd)} * ${access.read(element)};`);
    if (adagrad) lines.push(`        sumSquares += ${v.width === 4 ? 'dot(g[j], g[j])' : 'g[j] * g[j]'};`);
    else lines.push(`        ${access.write(element, `${access.read(element)} - params.sparseLr * g[j]`)}`);
    lines.push('      }');
    if (adagrad) {
      lines.push(`      let a = accum${i}[localRow] + sumSquares / ${f32Literal(D)};`);
      lines.push(`      accum${i}[localRow] = a;`);
      lines.push(`      let scale = params.sparseLr / (sqrt(a) + 1e-10);`);
      lines.push(`      for (var j = 0u; j < ${v.count}u; j++) { ${access.write(element, `${access.read(element)} - scale * g[j]`)} }`);
    }
    return lines.join('\n');
  };
  const cases = group.map((_, i) => `    case ${i}u: {\n${update(i)}\n    }`).join('\n');
  return /* wgsl */ `
${options.paramsStruct}
${decls.join('\n')}${access.helpers}
${WGSL_LINEAR}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let u = linearIndex(gid, groups);
  if (u >= params.uniqueCount) { return; }
  let row = uniqueRows[u];
  if (row < ${lo}u || row >= ${hi}u) { return; }
  var g: array<${v.type}, ${v.count}>;
  for (var s = segmentStart[u]; s < segmentStart[u + 1u]; s++) {
    let bag = segmentBag[s];
    ${
      mean
        ? `let f = bag % ${F}u;
    let b = bag / ${F}u;
    let bagIndex = f * ${batch}u + b;
    let scale = 1.0 / f32(offsets[bagIndex + 1u] - offsets[bagIndex]);`
        : ''
    }
    for (var j = 0u; j < ${v.count}u; j++) { g[j] += ${mean ? 'scale * ' : ''}pooledGrad[bag * ${v.count}u + j]; }
  }
  let c = (row - ${lo}u) / ${layout.rowsPerChunk}u;
  let localRow = row - ${lo}u - c * ${layout.rowsPerChunk}u;
  let local = localRow * ${v.count}u;
  var sumSquares = 0.0;
  switch (c) {
${cases}
    default: {}
  }
}
`;
}

/** A batch's indices as the device kernels want them (views into reused host arrays). */
export interface LookupPlan {
  /** L. */
  lookups: number;
  /** U. */
  unique: number;
  /** [L] table-local rows, as the batch gives them. */
  values: Int32Array;
  /** [F * B + 1] bag offsets laid out for the device batch B (rows past the batch get empty bags). */
  offsets: Int32Array;
  /** [U] global row of each distinct (table, row), in first-seen order. */
  uniqueRows: Uint32Array;
  /** [U + 1] where each distinct row's lookups start in segmentBag. */
  segmentStart: Uint32Array;
  /** [L] b * F + f of each lookup, grouped by distinct row, lookup order within a group. */
  segmentBag: Uint32Array;
}

/**
 * Host side of the segment reduce: validates a batch's indices and groups its lookups by row.
 * O(L) integer work per batch into arrays reused from batch to batch.
 */
export class LookupPlanner {
  /** Per table: slot of a row among this batch's distinct rows, -1 when untouched (reset after use). */
  private readonly slotOfRow: (Int32Array | null)[];
  private offsets: Int32Array;
  private uniqueRows = new Uint32Array(0);
  private segmentStart = new Uint32Array(1);
  private segmentBag = new Uint32Array(0);
  private slotOfLookup = new Int32Array(0);
  private cursor = new Uint32Array(0);

  constructor(
    private readonly layout: TableLayout,
    private readonly batch: number,
  ) {
    this.slotOfRow = layout.tableSizes.map(() => null);
    this.offsets = new Int32Array(layout.tableSizes.length * batch + 1);
  }

  /** @throws when the batch is larger than the device batch, or an index is outside its table. */
  plan(sparse: JaggedIndices): LookupPlan {
    const { batchSize: n, numFeatures: F, values, offsets } = sparse;
    const B = this.batch;
    const sizes = this.layout.tableSizes;
    if (F !== sizes.length) throw new Error(`batch has ${F} categorical features but the model has ${sizes.length} tables`);
    if (n > B) throw new Error(`batch of ${n} rows is larger than the device batch of ${B}`);
    const L = offsets[F * n];
    this.ensure(L);
    const padded = this.offsets;
    for (let f = 0; f < F; f++) {
      for (let b = 0; b < n; b++) padded[f * B + b] = offsets[f * n + b];
      const end = offsets[f * n + n];
      for (let b = n; b < B; b++) padded[f * B + b] = end;
    }
    padded[F * B] = L;
    // pass 1: a slot for each distinct (table, row), lookups counted per slot
    const counts = this.cursor;
    let unique = 0;
    for (let f = 0; f < F; f++) {
      const rows = sizes[f];
      const slots = (this.slotOfRow[f] ??= new Int32Array(rows).fill(-1));
      const base = this.layout.tableBase[f];
      for (let b = 0; b < n; b++) {
        for (let k = offsets[f * n + b]; k < offsets[f * n + b + 1]; k++) {
          const row = values[k];
          if (!(row >= 0 && row < rows)) {
            for (let g = 0; g <= f; g++) this.resetSlots(sparse, g);
            throw new Error(`feature ${f}, batch row ${b}: index ${row} is outside its table of ${rows} rows`);
          }
          let slot = slots[row];
          if (slot < 0) {
            slot = unique++;
            slots[row] = slot;
            this.uniqueRows[slot] = base + row;
            counts[slot] = 0;
          }
          counts[slot]++;
          this.slotOfLookup[k] = slot;
        }
      }
    }
    // pass 2: segment starts; pass 3: each lookup's bag into its segment, in lookup order
    const start = this.segmentStart;
    start[0] = 0;
    for (let u = 0; u < unique; u++) {
      start[u + 1] = start[u] + counts[u];
      counts[u] = start[u];
    }
    for (let f = 0; f < F; f++) {
      for (let b = 0; b < n; b++) {
        const bag = b * F + f;
        for (let k = offsets[f * n + b]; k < offsets[f * n + b + 1]; k++) this.segmentBag[counts[this.slotOfLookup[k]]++] = bag;
      }
    }
    for (let f = 0; f < F; f++) this.resetSlots(sparse, f);
    return {
      lookups: L,
      unique,
      values: values.subarray(0, L),
      offsets: padded,
      uniqueRows: this.uniqueRows.subarray(0, unique),
      segmentStart: start.subarray(0, unique + 1),
      segmentBag: this.segmentBag.subarray(0, L),
    };
  }

  /** Marks the rows feature f's lookups touched as untouched again (O(lookups of f)). */
  private resetSlots(sparse: JaggedIndices, f: number): void {
    const slots = this.slotOfRow[f];
    if (!slots) return;
    const { batchSize: n, values, offsets } = sparse;
    const rows = slots.length;
    for (let k = offsets[f * n]; k < offsets[f * n + n]; k++) {
      const row = values[k];
      if (row >= 0 && row < rows) slots[row] = -1;
    }
  }

  private ensure(lookups: number): void {
    if (this.segmentBag.length >= lookups) return;
    const n = Math.max(lookups, 2 * this.segmentBag.length);
    this.uniqueRows = new Uint32Array(n);
    this.segmentStart = new Uint32Array(n + 1);
    this.segmentBag = new Uint32Array(n);
    this.slotOfLookup = new Int32Array(n);
    this.cursor = new Uint32Array(n);
  }
}
