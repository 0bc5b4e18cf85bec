/**
 * How each categorical feature's table is laid out in memory for every embedding kind (full, the
 * quotient-remainder trick, mixed dimensions) and storage precision: the stored parts, their rows and
 * widths, and their bytes. Pure; the memory planner and the compressed embeddings share it so that a
 * plan's byte count is what the model allocates.
 */
import type { EmbeddingCompressionSpec, ModelSpec, TablePrecision } from '../../domain';

/** One stored matrix of a feature's table, row-major [rows, width]. */
export interface TablePart {
  /** What it is: 'table' (full), 'quotient', 'remainder', 'hot', 'cold', 'projection'. */
  role: 'table' | 'quotient' | 'remainder' | 'hot' | 'cold' | 'projection';
  rows: number;
  width: number;
}

/** Bytes of one stored number: 4 for float32, 2 for fp16 and bf16. */
export function bytesPerValue(precision: TablePrecision | undefined): number {
  return precision === 'fp16' || precision === 'bf16' ? 2 : 4;
}

/** Rows of the hot block of a mixed-dimension table of n rows: ceil(hotShare n), at least 1 and at most n. */
export function hotRows(n: number, hotShare: number): number {
  return Math.min(n, Math.max(1, Math.ceil(hotShare * n)));
}

/**
 * The stored parts of a table of n logical rows with output width D.
 * - full: [n, D]
 * - qr: quotient [ceil(n / m), D] and remainder [m, D], m = min(remainderRows, n)
 * - mixed-dim: hot [h, D], cold [n - h, coldDim], projection [coldDim, D]
 */
export function tableParts(compression: EmbeddingCompressionSpec | undefined, n: number, D: number): TablePart[] {
  if (!compression) return [{ role: 'table', rows: n, width: D }];
  if (compression.kind === 'qr') {
    const m = Math.min(compression.remainderRows, n);
    return [
      { role: 'quotient', rows: Math.ceil(n / m), width: D },
      { role: 'remainder', rows: m, width: D },
    ];
  }
  const h = hotRows(n, compression.hotShare);
  return [
    { role: 'hot', rows: h, width: D },
    { role: 'cold', rows: n - h, width: compression.coldDim },
    { role: 'projection', rows: compression.coldDim, width: D },
  ];
}

/** Stored numbers of a table (all of its parts). */
export function tableValueCount(parts: readonly TablePart[]): number {
  return parts.reduce((sum, p) => sum + p.rows * p.width, 0);
}

/** Stored rows of a table (all of its parts): what a row-wise optimizer keeps one number for. */
export function tableRowCount(parts: readonly TablePart[]): number {
  return parts.reduce((sum, p) => sum + p.rows, 0);
}

/** Whether a spec asks for anything other than full float32 tables. */
export function isCompressed(spec: Pick<ModelSpec, 'compression' | 'tablePrecision'>): boolean {
  return spec.compression !== undefined || (spec.tablePrecision !== undefined && spec.tablePrecision !== 'fp32');
}

/** Most rows of a remainder table and widest cold dimension accepted (as the service does). */
export const MAX_REMAINDER_ROWS = 50_000_000;

/**
 * Problems with a spec's compression and precision fields, each naming the field (empty when fine).
 * DLRM only; one kind at a time (a compression or a half precision, not both).
 */
export function compressionErrors(spec: ModelSpec): string[] {
  const errors: string[] = [];
  const { compression, tablePrecision } = spec;
  if (!isCompressed(spec)) return errors;
  if (spec.kind !== 'dlrm') errors.push(`compression / tablePrecision: only DLRM models have compressed tables, got "${spec.kind}"`);
  if (tablePrecision !== undefined && !['fp32', 'fp16', 'bf16'].includes(tablePrecision)) {
    errors.push(`tablePrecision must be fp32, fp16 or bf16, got "${String(tablePrecision)}"`);
  }
  if (compression && tablePrecision !== undefined && tablePrecision !== 'fp32') {
    errors.push(`tablePrecision ${tablePrecision} applies to full tables only: leave compression out or use fp32`);
  }
  if (compression?.kind === 'qr') {
    const m = compression.remainderRows;
    if (!Number.isInteger(m) || m < 2 || m > MAX_REMAINDER_ROWS) errors.push(`compression.remainderRows must be an integer from 2 to ${MAX_REMAINDER_ROWS}, got ${m}`);
    if (compression.combine !== 'product' && compression.combine !== 'sum') errors.push(`compression.combine must be product or sum, got "${String(compression.combine)}"`);
  } else if (compression?.kind === 'mixed-dim') {
    const { hotShare, coldDim } = compression;
    if (!(hotShare > 0 && hotShare < 1)) errors.push(`compression.hotShare must be between 0 and 1 (exclusive), got ${hotShare}`);
    if (!Number.isInteger(coldDim) || coldDim < 1 || coldDim >= spec.embeddingDim) {
      errors.push(`compression.coldDim must be an integer from 1 to embeddingDim - 1 (${spec.embeddingDim - 1}), got ${coldDim}`);
    }
  } else if (compression) {
    errors.push(`compression.kind must be qr or mixed-dim, got "${String((compression as { kind: unknown }).kind)}"`);
  }
  return errors;
}

/** How a compressed spec trains on the webgpu backend (the run's detail says it). */
export function compressedOnGpuNote(spec: Pick<ModelSpec, 'compression' | 'tablePrecision'>): string {
  const what = spec.compression ? `${spec.compression.kind} embeddings` : `${spec.tablePrecision} tables`;
  return `${what} are pooled and updated on the host and the MLPs trained on the device (TensorFlow.js WebGPU): the WebGPU step keeps full tables only (float32, or fp16 / bf16 with D a multiple of 4)`;
}
