import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../domain';
import { PRESETS, presetModel } from './presets';
import { checkModelSpec, resolveModel, tableFeatures, tableWidth, type ModelSpecWithFields } from './model-spec';

const errorsOf = (spec: ModelSpec) => resolveModel(spec).errors;

describe('rival model specs', () => {
  it('every preset is valid and has its kind', () => {
    for (const p of PRESETS) expect(checkModelSpec(p.model).errors).toEqual([]);
    expect(['lr', 'fm', 'mf', 'dcn'].map((name) => presetModel(name).kind)).toEqual(['lr', 'fm', 'mf', 'dcn']);
  });

  it('parameter counts and top widths of the rival presets, by hand', () => {
    // lr: 26 tables x 100,000 rows x 1 + 13 dense weights + bias
    expect(checkModelSpec(presetModel('lr')).paramCount).toBe(2_600_000 + 14);
    // fm: 26 x 100,000 x (16 + 1) + projection 13 x 17 + 17
    expect(checkModelSpec(presetModel('fm')).paramCount).toBe(44_200_000 + 238);
    // mf: 2 x 100,000 x 17 + global bias
    expect(checkModelSpec(presetModel('mf')).paramCount).toBe(3_400_000 + 1);
    // dcn: tables 26 x 100,000 x 16; d0 = 13 + 26 x 16 = 429; cross 2 x 3 x 429 = 2,574;
    // deep 429*512+512 + 512*256+256 = 220,160 + 131,328 = 351,488; output (429 + 256) + 1 = 686
    const dcn = checkModelSpec(presetModel('dcn'));
    expect(dcn.paramCount).toBe(41_600_000 + 2_574 + 351_488 + 686);
    expect(dcn.topInputWidth).toBe(685);
    expect(checkModelSpec(presetModel('fm')).topInputWidth).toBeNull();
    // Adam: two states per dense weight; row-wise Adagrad: one per table row (2 x 100,000 for MF)
    const mf = checkModelSpec(presetModel('mf'), { dense: 'adam', sparse: 'rowwise-adagrad', learningRate: 0.01, warmupSteps: 0, decay: 'none' });
    expect(mf.memoryBytes).toBe((3_400_001 + 2 + 200_000) * 4);
  });

  it('errors name the field', () => {
    expect(errorsOf({ ...presetModel('dcn'), crossLayers: 17 })).toEqual(['crossLayers (cross layers of the DCN) must be an integer from 0 to 16, got 17']);
    expect(errorsOf({ ...presetModel('dcn'), crossLayers: 0, topMlp: '' })).toEqual(['a DCN needs cross layers (crossLayers) or a deep network (topMlp), it has neither']);
    expect(errorsOf({ ...presetModel('dcn'), topMlp: '512-x' })[0]).toMatch(/deep network \(topMlp\) "512-x": "x" is not a positive integer/);
    expect(errorsOf({ ...presetModel('fm'), embeddingDim: 0 })).toEqual(['factor dim (embeddingDim) must be a positive integer, got 0']);
    expect(errorsOf({ ...presetModel('lr'), hashSize: 2.5 })).toEqual(['hash size (rows per table) must be a positive integer, got 2.5']);
    const mf: ModelSpecWithFields = { ...presetModel('mf'), userField: 3, itemField: 3 };
    expect(errorsOf(mf)).toEqual(['userField and itemField must differ, both are 3 (C4)']);
    expect(errorsOf({ ...mf, itemField: 26 } as ModelSpecWithFields)[0]).toMatch(/itemField must be a categorical feature index from 0 \(C1\) to 25 \(C26\), got 26/);
    const bad = checkModelSpec({ ...presetModel('fm'), embeddingDim: -1 });
    expect(bad.ok).toBe(false);
    expect(bad.paramCount).toBe(0);
  });

  it('fields a kind does not use are ignored (a form may keep them)', () => {
    expect(errorsOf({ ...presetModel('lr'), embeddingDim: 16, bottomMlp: '13-512-16', topMlp: 'nonsense' })).toEqual([]);
    expect(errorsOf({ ...presetModel('fm'), crossLayers: 99 })).toEqual([]);
  });

  it('table layout per kind', () => {
    const width = (name: string) => {
      const { arch } = resolveModel(presetModel(name));
      return arch ? [tableWidth(arch), tableFeatures(arch).length] : null;
    };
    expect(width('lr')).toEqual([1, 26]);
    expect(width('fm')).toEqual([17, 26]);
    expect(width('mf')).toEqual([17, 2]);
    expect(width('dcn')).toEqual([16, 26]);
    expect(width('criteo-kaggle')).toEqual([16, 26]);
  });
});
