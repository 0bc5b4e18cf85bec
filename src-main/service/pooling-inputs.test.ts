import { describe, expect, it } from 'vitest';
import { parseModelSpec } from './inputs';

const base = { kind: 'dlrm', embeddingDim: 16, bottomMlp: '13-16', topMlp: '8-1', interaction: 'dot', hashSize: 100 };

describe('model.pooling and model.sparseMlp at the boundary', () => {
  it('are optional: a spec without them comes back without them', () => {
    const spec = parseModelSpec(base);
    expect('pooling' in spec || 'sparseMlp' in spec).toBe(false);
  });
  it('are kept when valid', () => {
    expect(parseModelSpec({ ...base, pooling: 'max', sparseMlp: '16-32-16' })).toMatchObject({ pooling: 'max', sparseMlp: '16-32-16' });
  });
  it('name the field when invalid', () => {
    expect(() => parseModelSpec({ ...base, pooling: 'median' })).toThrow(/model\.pooling/);
    expect(() => parseModelSpec({ ...base, sparseMlp: 'sixteen' })).toThrow(/model\.sparseMlp/);
  });
});
