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
