import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../domain';
import { mlpParamCount, parseLayerSizes, resolveArchitecture } from './architecture';
import { checkModelSpec } from './model-spec';
import { PRESETS, presetModel } from './presets';

const kaggle = (): ModelSpec => presetModel('criteo-kaggle');

describe('architecture strings', () => {
  it('parses widths', () => {
    expect(parseLayerSizes('13-512-256-64-16', 'bottom MLP')).toEqual([13, 512, 256, 64, 16]);
    expect(() => parseLayerSizes('13-x-16', 'bottom MLP')).toThrow(/"x" is not a positive integer/);
    expect(() => parseLayerSizes('13--16', 'bottom MLP')).toThrow(/not a positive integer/);
  });
  it('names the mismatch', () => {
    const errs = (m: Partial<ModelSpec>) => resolveArchitecture({ ...kaggle(), ...m }).errors;
    expect(errs({ bottomMlp: '13-512-32' })).toEqual(['bottom MLP ends at 32 but embedding dim is 16']);
    expect(errs({ bottomMlp: '12-512-16' })).toEqual(['bottom MLP starts at 12 but there are 13 dense features']);
    expect(errs({ topMlp: '512-2' })).toEqual(['top MLP ends at 2 but must end at 1 (the click logit)']);
    expect(errs({ embeddingDim: 0, bottomMlp: '13-0' })[0]).toMatch(/embedding dim must be a positive integer/);
    expect(errs({ kind: 'dcn' })[0]).toMatch(/is not a DLRM/);
    expect(errs({ bottomMlp: '', embeddingDim: 13 })).toEqual([]);
  });
});

describe('presets', () => {
  it('top input widths: 16 + 27*26/2 = 367, 128 + 27*28/2 = 506, 128 + 351 = 479', () => {
    const widths = Object.fromEntries(PRESETS.filter((p) => p.model.kind === 'dlrm').map((p) => [p.name, checkModelSpec(p.model).topInputWidth]));
    expect(widths).toEqual({ 'criteo-kaggle': 367, course: 506, terabyte: 479 });
    for (const p of PRESETS) expect(checkModelSpec(p.model).errors).toEqual([]);
  });
  it('param count and memory of criteo-kaggle', () => {
    // tables 26 * 100000 * 16 = 41,600,000
    // bottom 13*512+512 + 512*256+256 + 256*64+64 + 64*16+16 = 7168 + 131328 + 16448 + 1040 = 155,984
    // top 367*512+512 + 512*256+256 + 256*1+1 = 188416 + 131328 + 257 = 320,001
    expect(mlpParamCount([13, 512, 256, 64, 16])).toBe(155_984);
    expect(mlpParamCount([367, 512, 256, 1])).toBe(320_001);
    const plain = checkModelSpec(kaggle());
    expect(plain.paramCount).toBe(41_600_000 + 155_984 + 320_001);
    expect(plain.memoryBytes).toBe(plain.paramCount * 4);
    // Adam: two states per dense weight; row-wise Adagrad: one per table row (26 * 100000)
    const withState = checkModelSpec(kaggle(), { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' });
    expect(withState.memoryBytes).toBe((plain.paramCount + 2 * (155_984 + 320_001) + 2_600_000) * 4);
  });
  it('reports errors without throwing', () => {
    const c = checkModelSpec({ ...kaggle(), topMlp: '512-256-3' }, { dense: 'sgd', sparse: 'sgd', learningRate: -1, warmupSteps: 0, decay: 'none' });
    expect(c.ok).toBe(false);
    expect(c.topInputWidth).toBeNull();
    expect(c.errors).toContain('top MLP ends at 3 but must end at 1 (the click logit)');
    expect(c.errors.some((e) => /learning rate/.test(e))).toBe(true);
  });
});
