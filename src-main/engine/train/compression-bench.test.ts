import { describe, expect, it } from 'vitest';
import { planMemory } from '../model/memory-plan';
import { presetModel } from '../model/presets';
import { hotShareWithin, qrRowsWithin } from './compression-bench';

const sizes = [9000, 4000, 24, 3, 1460];
const model = presetModel('criteo-kaggle');
const machine = { totalBytes: 1, freeBytes: 1 };
const bytes = (extra: object) => planMemory({ spec: { ...model, ...extra }, batchSize: 1, featureTableSizes: sizes, datasetRows: null, residentRows: null, machine }).tableBytes;

describe('sizing the compressed variants to a byte budget', () => {
  const quarter = bytes({}) / 4;

  it('QR: the largest remainder rows within the budget', () => {
    const m = qrRowsWithin(sizes, quarter)!;
    expect(bytes({ compression: { kind: 'qr', remainderRows: m, combine: 'product' } })).toBeLessThanOrEqual(quarter);
    expect(bytes({ compression: { kind: 'qr', remainderRows: m + 1, combine: 'product' } })).toBeGreaterThan(quarter);
    expect(qrRowsWithin(sizes, 10)).toBeNull();
  });

  it('mixed-dim: the largest hot share within the budget', () => {
    const share = hotShareWithin(sizes, 2, quarter)!;
    expect(bytes({ compression: { kind: 'mixed-dim', hotShare: share, coldDim: 2 } })).toBeLessThanOrEqual(quarter);
    expect(bytes({ compression: { kind: 'mixed-dim', hotShare: share + 0.005, coldDim: 2 } })).toBeGreaterThan(quarter);
  });
});
