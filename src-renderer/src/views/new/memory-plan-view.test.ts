import { describe, expect, it } from 'vitest';
import type { MemoryPlan } from '../../../../src-main/service/contract';
import { compressionLabel, defaultCompression, embeddingChoiceOf, planSegments, scatterPositions } from './memory-plan-view';

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

describe('memory-versus-quality scatter', () => {
  it('labels each table kind', () => {
    expect(compressionLabel({ kind: 'dlrm', hashSize: 100000 })).toBe('full, 100,000 rows');
    expect(compressionLabel({ kind: 'dlrm', hashSize: 100, compression: { kind: 'qr', remainderRows: 10, combine: 'sum' } })).toBe('QR m=10 sum');
    expect(compressionLabel({ kind: 'dlrm', hashSize: 100, compression: { kind: 'mixed-dim', hotShare: 0.125, coldDim: 2 } })).toBe('mixed-dim 12.5% at D, cold 2');
    expect(compressionLabel({ kind: 'dlrm', hashSize: 100, tablePrecision: 'bf16' })).toBe('bf16 tables');
  });

  it('places bytes on a log axis and AUC upwards, inside the margins', () => {
    const at = scatterPositions(
      [
        { id: 'a', label: 'a', color: 'x', bytes: 1e3, auc: 0.7 },
        { id: 'b', label: 'b', color: 'x', bytes: 1e5, auc: 0.8 },
        { id: 'c', label: 'c', color: 'x', bytes: 1e4, auc: 0.75 },
      ],
      200,
      100,
      10,
    );
    // c is halfway between a and b on both axes (log scale for bytes)
    expect(at[2].x).toBeCloseTo((at[0].x + at[1].x) / 2, 9);
    expect(at[2].y).toBeCloseTo((at[0].y + at[1].y) / 2, 9);
    expect(at[1].y).toBeLessThan(at[0].y);
    for (const p of at) {
      expect(p.x).toBeGreaterThanOrEqual(10);
      expect(p.x).toBeLessThanOrEqual(190);
    }
  });
});
