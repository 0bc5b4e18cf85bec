import { describe, expect, it } from 'vitest';
import type { MemoryPlan } from '../../../../src-main/service/contract';
import { defaultCompression, embeddingChoiceOf, planSegments } from './memory-plan-view';

const plan: MemoryPlan = {
  tables: [],
  tableBytes: 600,
  tableOptimizerBytes: 100,
  tableScratchBytes: 100,
  denseBytes: 100,
  denseOptimizerBytes: 0,
  activationBytes: 100,
  batchSize: 128,
  cacheDiskBytes: 5000,
  datasetMemoryBytes: null,
  totalBytes: 1000,
  tableShare: 0.8,
  machine: { totalBytes: 10_000, freeBytes: 5000 },
  limits: [],
  fits: true,
  problems: [],
};

describe('planSegments', () => {
  it('one segment a non-empty part, shares of the total in a fixed order', () => {
    const segments = planSegments(plan);
    expect(segments.map((s) => s.label)).toEqual(['Tables', 'Table optimizer state', 'Table gradient scratch', 'MLPs', 'Activations (batch 128)']);
    expect(segments.map((s) => s.share)).toEqual([0.6, 0.1, 0.1, 0.1, 0.1]);
    expect(new Set(segments.map((s) => s.color)).size).toBe(5);
  });
});

describe('compression choices', () => {
  it('QR gets sqrt(hashSize) remainder rows, mixed-dim D / 4, full none', () => {
    expect(defaultCompression('qr', { hashSize: 100_000, embeddingDim: 16 })).toEqual({ kind: 'qr', remainderRows: 317, combine: 'product' });
    expect(defaultCompression('mixed-dim', { hashSize: 100_000, embeddingDim: 16 })).toEqual({ kind: 'mixed-dim', hotShare: 0.1, coldDim: 4 });
    expect(defaultCompression('full', { hashSize: 10, embeddingDim: 2 })).toBeUndefined();
    expect(embeddingChoiceOf({})).toBe('full');
    expect(embeddingChoiceOf({ compression: { kind: 'qr', remainderRows: 4, combine: 'sum' } })).toBe('qr');
  });
});
