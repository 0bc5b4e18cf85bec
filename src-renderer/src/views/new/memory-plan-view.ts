/**
 * The New run form's picture of where a run's bytes go (issue #15): the memory plan's parts as the
 * segments of one stacked bar, each with its share, and the form's compression choices as a ModelSpec.
 */
import type { EmbeddingCompressionSpec, MemoryPlan, ModelSpec, TablePrecision } from '../../../../src-main/service/contract';
import { runColor } from '../../lib/palette';

export interface PlanSegment {
  label: string;
  bytes: number;
  /** 0..1 of the plan's total. */
  share: number;
  color: string;
}

/** The plan's in-memory parts, in a fixed order, zero-byte parts left out (shares sum to 1). */
export function planSegments(plan: MemoryPlan): PlanSegment[] {
  const parts: [string, number][] = [
    ['Tables', plan.tableBytes],
    ['Table optimizer state', plan.tableOptimizerBytes],
    ['Table gradient scratch', plan.tableScratchBytes],
    ['MLPs', plan.denseBytes],
    ['MLP optimizer state', plan.denseOptimizerBytes],
    [`Activations (batch ${plan.batchSize})`, plan.activationBytes],
    ['Rows in memory', plan.datasetMemoryBytes ?? 0],
  ];
  return parts
    .map(([label, bytes], index) => ({ label, bytes, share: plan.totalBytes > 0 ? bytes / plan.totalBytes : 0, color: runColor(index) }))
    .filter((segment) => segment.bytes > 0);
}

/** The embedding kinds the form offers. */
export type EmbeddingChoice = 'full' | 'qr' | 'mixed-dim';

/** The form's choice of a model's tables. */
export function embeddingChoiceOf(model: Pick<ModelSpec, 'compression'>): EmbeddingChoice {
  return model.compression?.kind ?? 'full';
}

/**
 * The compression a choice gives a model: QR with remainder rows ceil(sqrt(hashSize)) (the smallest
 * two tables), mixed dimensions with the hottest 10% at D and the others at D / 4; full: none.
 */
export function defaultCompression(choice: EmbeddingChoice, model: Pick<ModelSpec, 'hashSize' | 'embeddingDim'>): EmbeddingCompressionSpec | undefined {
  if (choice === 'qr') return { kind: 'qr', remainderRows: Math.max(2, Math.ceil(Math.sqrt(model.hashSize))), combine: 'product' };
  if (choice === 'mixed-dim') return { kind: 'mixed-dim', hotShare: 0.1, coldDim: Math.max(1, Math.floor(model.embeddingDim / 4)) };
  return undefined;
}

/** Precisions the form offers, with their labels. */
export const PRECISIONS: { value: TablePrecision; label: string }[] = [
  { value: 'fp32', label: 'float32 (4 bytes)' },
  { value: 'fp16', label: 'fp16 (2 bytes)' },
  { value: 'bf16', label: 'bfloat16 (2 bytes)' },
];

/** How a model stores its tables, in a few words ("full", "QR m=317 product", "mixed-dim 10% / 4", "fp16"). */
export function compressionLabel(model: Pick<ModelSpec, 'kind' | 'hashSize' | 'compression' | 'tablePrecision'>): string {
  const c = model.compression;
  if (c?.kind === 'qr') return `QR m=${c.remainderRows} ${c.combine}`;
  if (c?.kind === 'mixed-dim') return `mixed-dim ${Math.round(c.hotShare * 1000) / 10}% at D, cold ${c.coldDim}`;
  if (model.tablePrecision && model.tablePrecision !== 'fp32') return `${model.tablePrecision} tables`;
  return `full, ${model.hashSize.toLocaleString('en-US')} rows`;
}

/** A run as a point of the memory-versus-quality scatter. */
export interface ScatterPoint {
  id: string;
  label: string;
  color: string;
  /** Model bytes (tables + MLPs), > 0. */
  bytes: number;
  auc: number;
}

/**
 * Pixel positions of points in a width x height plot with a margin: x = log10 of the bytes, y = AUC,
 * each axis over the points' range (padded by 5%; a single value gets a unit-wide range around it).
 */
export function scatterPositions(points: readonly ScatterPoint[], width: number, height: number, margin: number): { x: number; y: number }[] {
  if (points.length === 0) return [];
  const range = (values: number[]): [number, number] => {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    if (hi - lo < 1e-12) return [lo - 0.5, hi + 0.5];
    const pad = (hi - lo) * 0.05;
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = range(points.map((p) => Math.log10(p.bytes)));
  const [y0, y1] = range(points.map((p) => p.auc));
  return points.map((p) => ({
    x: margin + ((Math.log10(p.bytes) - x0) / (x1 - x0)) * (width - 2 * margin),
    y: height - margin - ((p.auc - y0) / (y1 - y0)) * (height - 2 * margin),
  }));
}
