/**
 * Every model kind's hyper-parameters: resolving a ModelSpec into sizes, validation with errors
 * naming the field, parameter counts and memory estimates (checkModelSpec). Pure functions, no tfjs.
 *
 * Which ModelSpec fields each kind reads (the others are ignored, so a form can keep them):
 * | kind | fields |
 * |---|---|
 * | dlrm | embeddingDim, bottomMlp, topMlp, interaction, hashSize, pooling, sparseMlp (see architecture.ts), compression and tablePrecision (table-layout.ts) |
 * | dcn  | embeddingDim, hashSize, crossLayers (default 3), topMlp = the deep network's widths after x0 (e.g. "512-256"; empty: cross network only) |
 * | fm   | embeddingDim (factor dim), hashSize |
 * | mf   | embeddingDim (factor dim), hashSize, userField / itemField (default 0 and 1: C1 and C2) |
 * | lr   | hashSize |
 */
import type { ModelCheck, ModelKind, ModelSpec, OptimizerSpec } from '../../domain';
import { DEFAULT_NUM_DENSE, DEFAULT_NUM_FEATURES, type DlrmArchitecture, denseParamCount, mlpParamCount, parseLayerSizes, resolveArchitecture } from './architecture';
import { bytesPerValue, compressionErrors, tableParts, tableRowCount, tableValueCount } from './table-layout';

/** Cross layers of a DCN whose spec leaves crossLayers out. */
export const DEFAULT_CROSS_LAYERS = 3;
/** Most cross layers accepted (as the service does). */
export const MAX_CROSS_LAYERS = 16;

/**
 * ModelSpec plus the matrix-factorisation fields the contract does not carry yet: which categorical
 * features are the user and the item (0-based: 0 is C1). Read when present.
 */
export type ModelSpecWithFields = ModelSpec & { userField?: number; itemField?: number };

/** Logistic regression: one weight per hashed value (tables of width 1), a linear layer over the dense features, a bias. */
export interface LogisticArchitecture {
  kind: 'lr';
  numDense: number;
  numFeatures: number;
}

/** Second-order factorisation machine over the F fields and one projection of the dense features. */
export interface FmArchitecture {
  kind: 'fm';
  numDense: number;
  numFeatures: number;
  /** D: factor dimension (tables are D + 1 wide: column 0 is the linear weight). */
  factorDim: number;
}

/** Matrix factorisation on two fields: logit = <u, i> + b_u + b_i + b. */
export interface MfArchitecture {
  kind: 'mf';
  numDense: number;
  numFeatures: number;
  factorDim: number;
  /** Categorical feature of the users (0-based). */
  userField: number;
  /** Categorical feature of the items (0-based). */
  itemField: number;
}

/** Deep & Cross Network (Wang et al. 2017). */
export interface DcnArchitecture {
  kind: 'dcn';
  numDense: number;
  numFeatures: number;
  /** D. */
  embeddingDim: number;
  /** L. */
  crossLayers: number;
  /** Deep MLP widths [x0 width, hidden...] (just [x0 width] without a deep network); ReLU everywhere. */
  deepSizes: number[];
}

export type ModelArchitecture = ({ kind: 'dlrm' } & DlrmArchitecture) | LogisticArchitecture | FmArchitecture | MfArchitecture | DcnArchitecture;

/** Width of x0 of a DCN: I + F * D. */
export function crossInputWidth(arch: Pick<DcnArchitecture, 'numDense' | 'numFeatures' | 'embeddingDim'>): number {
  return arch.numDense + arch.numFeatures * arch.embeddingDim;
}

/** W: floats per table row. */
export function tableWidth(arch: ModelArchitecture): number {
  switch (arch.kind) {
    case 'lr':
      return 1;
    case 'fm':
    case 'mf':
      return arch.factorDim + 1;
    case 'dcn':
    case 'dlrm':
      return arch.embeddingDim;
  }
}

/** Which categorical features the model has tables for, in table order. */
export function tableFeatures(arch: ModelArchitecture): number[] {
  if (arch.kind === 'mf') return [arch.userField, arch.itemField];
  return Array.from({ length: arch.numFeatures }, (_, f) => f);
}

/** Parameters outside the tables (the tf.Variables). */
export function denseParameterCount(arch: ModelArchitecture): number {
  switch (arch.kind) {
    case 'dlrm':
      return denseParamCount(arch);
    case 'lr':
      return arch.numDense + 1;
    case 'fm':
      return (arch.numDense + 1) * (arch.factorDim + 1);
    case 'mf':
      return 1;
    case 'dcn': {
      const width = crossInputWidth(arch);
      return 2 * arch.crossLayers * width + mlpParamCount(arch.deepSizes) + finalInputWidth(arch) + 1;
    }
  }
}

/** Input width of a DCN's final linear layer: x_L (I + F D) next to the deep output. */
export function finalInputWidth(arch: DcnArchitecture): number {
  const width = crossInputWidth(arch);
  return width + (arch.deepSizes.length > 1 ? arch.deepSizes[arch.deepSizes.length - 1] : 0);
}

const MODEL_KINDS: readonly ModelKind[] = ['dlrm', 'dcn', 'fm', 'lr', 'mf'];

function positiveIntegerError(value: number, what: string): string | null {
  return Number.isInteger(value) && value > 0 ? null : `${what} must be a positive integer, got ${value}`;
}

/**
 * Resolves a ModelSpec of any kind into sizes. Collects every problem instead of stopping at the first.
 * @returns the architecture, or null with errors filled.
 */
export function resolveModel(spec: ModelSpec, options: { numDense?: number; numFeatures?: number } = {}): { arch: ModelArchitecture | null; errors: string[] } {
  const numDense = options.numDense ?? DEFAULT_NUM_DENSE;
  const numFeatures = options.numFeatures ?? DEFAULT_NUM_FEATURES;
  if (!MODEL_KINDS.includes(spec.kind)) return { arch: null, errors: [`model kind must be one of ${MODEL_KINDS.join(', ')}, got "${String(spec.kind)}"`] };
  if (spec.kind === 'dlrm') {
    const { arch, errors } = resolveArchitecture(spec, options);
    errors.push(...compressionErrors(spec));
    return { arch: arch && errors.length === 0 ? { kind: 'dlrm', ...arch } : null, errors };
  }
  const errors: string[] = compressionErrors(spec);
  const hashError = positiveIntegerError(spec.hashSize, 'hash size (rows per table)');
  if (hashError) errors.push(hashError);
  const dimError = spec.kind === 'lr' ? null : positiveIntegerError(spec.embeddingDim, spec.kind === 'dcn' ? 'embedding dim' : 'factor dim (embeddingDim)');
  if (dimError) errors.push(dimError);
  switch (spec.kind) {
    case 'lr':
      return errors.length ? { arch: null, errors } : { arch: { kind: 'lr', numDense, numFeatures }, errors };
    case 'fm':
      return errors.length ? { arch: null, errors } : { arch: { kind: 'fm', numDense, numFeatures, factorDim: spec.embeddingDim }, errors };
    case 'mf': {
      const extended = spec as ModelSpecWithFields;
      const userField = extended.userField ?? 0;
      const itemField = extended.itemField ?? 1;
      for (const [name, value] of [
        ['userField', userField],
        ['itemField', itemField],
      ] as const) {
        if (!Number.isInteger(value) || value < 0 || value >= numFeatures) {
          errors.push(`${name} must be a categorical feature index from 0 (C1) to ${numFeatures - 1} (C${numFeatures}), got ${value}`);
        }
      }
      if (numFeatures < 2) errors.push(`matrix factorisation needs two categorical features, the data has ${numFeatures}`);
      if (userField === itemField) errors.push(`userField and itemField must differ, both are ${userField} (C${userField + 1})`);
      return errors.length ? { arch: null, errors } : { arch: { kind: 'mf', numDense, numFeatures, factorDim: spec.embeddingDim, userField, itemField }, errors };
    }
    case 'dcn': {
      const crossLayers = spec.crossLayers ?? DEFAULT_CROSS_LAYERS;
      if (!Number.isInteger(crossLayers) || crossLayers < 0 || crossLayers > MAX_CROSS_LAYERS) {
        errors.push(`crossLayers (cross layers of the DCN) must be an integer from 0 to ${MAX_CROSS_LAYERS}, got ${crossLayers}`);
      }
      let deep: number[] = [];
      try {
        deep = parseLayerSizes(spec.topMlp, 'deep network (topMlp)');
      } catch (e) {
        errors.push((e as Error).message);
      }
      if (crossLayers === 0 && deep.length === 0) errors.push('a DCN needs cross layers (crossLayers) or a deep network (topMlp), it has neither');
      if (errors.length) return { arch: null, errors };
      const width = numDense + numFeatures * spec.embeddingDim;
      return { arch: { kind: 'dcn', numDense, numFeatures, embeddingDim: spec.embeddingDim, crossLayers, deepSizes: [width, ...deep] }, errors };
    }
  }
}

/** Like resolveModel, but throws one Error listing every problem. */
export function modelArchitectureOf(spec: ModelSpec, options: { numDense?: number; numFeatures?: number } = {}): ModelArchitecture {
  const { arch, errors } = resolveModel(spec, options);
  if (!arch) throw new Error(`invalid ${spec.kind} model: ${errors.join('; ')}`);
  return arch;
}

/** Bytes per float32 parameter. */
const FLOAT_BYTES = 4;

/**
 * Validates a spec of any kind and estimates its size: parameters (tables + dense) and memory in
 * bytes for parameters plus optimizer state (Adagrad: one accumulator per dense weight; Adam: two;
 * row-wise Adagrad: one per table row). Tables all have spec.hashSize rows.
 * topInputWidth: the top MLP's input for DLRM, the final layer's input for DCN, null otherwise.
 */
export function checkModelSpec(spec: ModelSpec, opt?: OptimizerSpec): ModelCheck {
  const { arch, errors } = resolveModel(spec);
  if (opt) {
    if (!(opt.learningRate > 0) || !Number.isFinite(opt.learningRate)) {
      errors.push(`learning rate must be a positive number, got ${opt.learningRate}`);
    }
    if (!Number.isInteger(opt.warmupSteps) || opt.warmupSteps < 0) {
      errors.push(`warm-up steps must be a non-negative integer, got ${opt.warmupSteps}`);
    }
  }
  if (!arch) return { ok: false, errors, paramCount: 0, memoryBytes: 0, topInputWidth: null };
  // compressed DLRM tables store fewer rows (table-layout.ts); the others are hashSize x W each
  const parts = tableParts(arch.kind === 'dlrm' ? spec.compression : undefined, spec.hashSize, tableWidth(arch));
  const tableRows = tableFeatures(arch).length * tableRowCount(parts);
  const tableParams = tableFeatures(arch).length * tableValueCount(parts);
  const denseParams = denseParameterCount(arch);
  let stateFloats = 0;
  if (opt) {
    if (opt.dense === 'adagrad') stateFloats += denseParams;
    if (opt.dense === 'adam') stateFloats += 2 * denseParams;
    if (opt.sparse === 'rowwise-adagrad') stateFloats += tableRows;
  }
  const topInputWidth = arch.kind === 'dlrm' ? arch.topSizes[0] : arch.kind === 'dcn' ? finalInputWidth(arch) : null;
  return {
    ok: errors.length === 0,
    errors,
    paramCount: tableParams + denseParams,
    memoryBytes: tableParams * bytesPerValue(arch.kind === 'dlrm' ? spec.tablePrecision : undefined) + (denseParams + stateFloats) * FLOAT_BYTES,
    topInputWidth,
  };
}
