/**
 * DLRM architecture: parsing and validating the layer strings of a ModelSpec, derived sizes
 * (interaction width, top-MLP input), parameter counts. Pure functions, no tfjs. Validation and size
 * estimates of every model kind (checkModelSpec) are in model-spec.ts.
 */
import type { InteractionKind, ModelSpec, PoolingMode } from '../../domain';

/** Number of dense (integer) Criteo features I. */
export const DEFAULT_NUM_DENSE = 13;
/** Number of categorical Criteo features F. */
export const DEFAULT_NUM_FEATURES = 26;

/** Fully resolved sizes of a DLRM. */
export interface DlrmArchitecture {
  /** I: dense features fed to the bottom MLP. */
  numDense: number;
  /** F: categorical features, one embedding table each. */
  numFeatures: number;
  /** D. */
  embeddingDim: number;
  /** Bottom MLP layer widths [I, ..., D]; just [I] when there is no bottom MLP (then I must equal D). */
  bottomSizes: number[];
  /** Top MLP layer widths [topInputWidth, ..., 1]. */
  topSizes: number[];
  interaction: InteractionKind;
  /** How bags are pooled (absent: 'sum'). */
  pooling?: PoolingMode;
  /** Widths [D, ..., D] of the MLP applied to each table's pooled vector (absent or null: none). */
  sparseMlpSizes?: number[] | null;
}

/** Pooling modes a DLRM accepts. */
export const POOLING_MODES: readonly PoolingMode[] = ['sum', 'mean', 'max'];

/** Does the architecture use anything beyond sum pooling without sparse MLPs (what the WebGPU step and two threads support)? */
export function hasSparseExtras(arch: Pick<DlrmArchitecture, 'pooling' | 'sparseMlpSizes'>): boolean {
  return (arch.pooling ?? 'sum') !== 'sum' || (arch.sparseMlpSizes ?? null) !== null;
}

/** The same question of a spec (no parsing: any non-empty sparseMlp counts). */
export function specHasSparseExtras(spec: Pick<ModelSpec, 'pooling' | 'sparseMlp'>): boolean {
  return (spec.pooling ?? 'sum') !== 'sum' || (spec.sparseMlp ?? '').trim() !== '';
}

/** Interaction vectors V = F + 1 (bottom-MLP output first). */
export function numVectors(arch: Pick<DlrmArchitecture, 'numFeatures'>): number {
  return arch.numFeatures + 1;
}

/**
 * Width of the interaction output that follows the bottom-MLP output in the top-MLP input:
 * dot: V(V-1)/2, dot-self: V(V+1)/2, cat: the V vectors concatenated minus the leading D (see topInputWidth).
 */
export function pairCount(interaction: InteractionKind, vectors: number): number {
  if (interaction === 'dot') return (vectors * (vectors - 1)) / 2;
  if (interaction === 'dot-self') return (vectors * (vectors + 1)) / 2;
  return 0;
}

/** Width of the top-MLP input: D + pairs for dot/dot-self; V * D for cat (the vectors concatenated). */
export function topInputWidth(interaction: InteractionKind, numFeatures: number, embeddingDim: number): number {
  const vectors = numFeatures + 1;
  if (interaction === 'cat') return vectors * embeddingDim;
  return embeddingDim + pairCount(interaction, vectors);
}

/**
 * Parses "13-512-256-64-16" into [13, 512, 256, 64, 16].
 * @throws Error naming the MLP and the bad part.
 */
export function parseLayerSizes(text: string, what: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split('-').map((part) => {
    const p = part.trim();
    if (!/^\d+$/.test(p) || Number(p) <= 0) {
      throw new Error(`${what} "${text}": "${part}" is not a positive integer (write widths like 512-256-1)`);
    }
    return Number(p);
  });
}

/**
 * Resolves a ModelSpec into sizes. Collects every problem instead of stopping at the first.
 * @returns the architecture, or null with errors filled.
 */
export function resolveArchitecture(
  spec: ModelSpec,
  options: { numDense?: number; numFeatures?: number } = {},
): { arch: DlrmArchitecture | null; errors: string[] } {
  const errors: string[] = [];
  const numDense = options.numDense ?? DEFAULT_NUM_DENSE;
  const numFeatures = options.numFeatures ?? DEFAULT_NUM_FEATURES;
  if (spec.kind !== 'dlrm') errors.push(`model kind "${spec.kind}" is not a DLRM (resolveModel in model-spec.ts resolves every kind)`);
  const dim = spec.embeddingDim;
  if (!Number.isInteger(dim) || dim <= 0) errors.push(`embedding dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(spec.hashSize) || spec.hashSize <= 0) {
    errors.push(`hash size (rows per table) must be a positive integer, got ${spec.hashSize}`);
  }
  if (!['dot', 'dot-self', 'cat'].includes(spec.interaction)) {
    errors.push(`interaction must be dot, dot-self or cat, got "${spec.interaction}"`);
  }
  let bottom: number[] = [];
  let top: number[] = [];
  try {
    bottom = parseLayerSizes(spec.bottomMlp, 'bottom MLP');
  } catch (e) {
    errors.push((e as Error).message);
    bottom = [];
  }
  try {
    top = parseLayerSizes(spec.topMlp, 'top MLP');
  } catch (e) {
    errors.push((e as Error).message);
    top = [];
  }
  if (bottom.length === 1) {
    errors.push(`bottom MLP "${spec.bottomMlp}" has no layer: give at least input and output width (e.g. ${numDense}-${dim})`);
  } else if (bottom.length > 1) {
    if (bottom[0] !== numDense) errors.push(`bottom MLP starts at ${bottom[0]} but there are ${numDense} dense features`);
    if (bottom[bottom.length - 1] !== dim) {
      errors.push(`bottom MLP ends at ${bottom[bottom.length - 1]} but embedding dim is ${dim}`);
    }
  } else if (spec.bottomMlp.trim() === '' && numDense !== dim) {
    errors.push(
      `without a bottom MLP the ${numDense} dense features are an interaction vector, so embedding dim must be ${numDense}, got ${dim}`,
    );
  }
  const pooling = spec.pooling ?? 'sum';
  if (!POOLING_MODES.includes(pooling)) errors.push(`pooling must be sum, mean or max, got "${String(spec.pooling)}"`);
  let sparseMlpSizes: number[] | null = null;
  if (spec.sparseMlp !== undefined && spec.sparseMlp.trim() !== '') {
    try {
      const sizes = parseLayerSizes(spec.sparseMlp, 'sparse MLP');
      if (sizes.length < 2) errors.push(`sparse MLP "${spec.sparseMlp}" has no layer: give at least input and output width (e.g. ${dim}-${dim})`);
      else if (sizes[0] !== dim || sizes[sizes.length - 1] !== dim) {
        errors.push(`sparse MLP "${spec.sparseMlp}" must start and end at the embedding dim ${dim}`);
      } else sparseMlpSizes = sizes;
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (spec.topMlp.trim() === '') errors.push('top MLP is empty: give its widths ending at 1, e.g. 512-256-1');
  else if (top.length > 0 && top[top.length - 1] !== 1) {
    errors.push(`top MLP ends at ${top[top.length - 1]} but must end at 1 (the click logit)`);
  }
  if (errors.length > 0) return { arch: null, errors };
  const width = topInputWidth(spec.interaction, numFeatures, dim);
  return {
    arch: {
      numDense,
      numFeatures,
      embeddingDim: dim,
      bottomSizes: bottom.length > 1 ? bottom : [numDense],
      topSizes: [width, ...top],
      interaction: spec.interaction,
      // only when asked for, so the default architecture stays exactly today's object
      ...(pooling !== 'sum' ? { pooling } : {}),
      ...(sparseMlpSizes !== null ? { sparseMlpSizes } : {}),
    },
    errors,
  };
}

/** Like resolveArchitecture, but throws one Error listing every problem. */
export function architectureOf(spec: ModelSpec, options: { numDense?: number; numFeatures?: number } = {}): DlrmArchitecture {
  const { arch, errors } = resolveArchitecture(spec, options);
  if (!arch) throw new Error(`invalid model: ${errors.join('; ')}`);
  return arch;
}

/** Weights + biases of an MLP with the given widths. */
export function mlpParamCount(sizes: readonly number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += sizes[l] * sizes[l + 1] + sizes[l + 1];
  return n;
}

/** Parameters of the bottom and top MLPs, and of the F sparse MLPs when there are. */
export function denseParamCount(arch: DlrmArchitecture): number {
  const sparse = arch.sparseMlpSizes ? arch.numFeatures * mlpParamCount(arch.sparseMlpSizes) : 0;
  return mlpParamCount(arch.bottomSizes) + mlpParamCount(arch.topSizes) + sparse;
}

/**
 * The largest single buffer a training step puts on the device, in bytes, and what it holds
 * (the memory plan's GPU limit and the WebGPU paths' checks).
 * Candidates per row of the batch (B rows): pooled embeddings F*D, interaction vectors V*D, pairwise products
 * V*V (dot kinds), every MLP width; plus one [rows, D] table when tables live on the device.
 */
export function largestDeviceBuffer(arch: DlrmArchitecture, batchSize: number, deviceTableRows = 0): { bytes: number; what: string } {
  const F = arch.numFeatures;
  const D = arch.embeddingDim;
  const V = F + 1;
  const candidates: [number, string][] = [
    [F * D, `pooled embeddings [${batchSize}, ${F}, ${D}]`],
    [V * D, `interaction vectors [${batchSize}, ${V}, ${D}]`],
    [arch.interaction === 'cat' ? 0 : V * V, `pairwise products [${batchSize}, ${V}, ${V}]`],
    ...[...arch.bottomSizes, ...arch.topSizes].map((w): [number, string] => [w, `an MLP activation [${batchSize}, ${w}]`]),
  ];
  let best: [number, string] = candidates[0];
  for (const c of candidates) if (c[0] > best[0]) best = c;
  const rowsBytes = deviceTableRows * D * 4;
  const batchBytes = best[0] * batchSize * 4;
  return rowsBytes > batchBytes ? { bytes: rowsBytes, what: `a table [${deviceTableRows}, ${D}]` } : { bytes: batchBytes, what: best[1] };
}
