/**
 * The built-in synthetic dataset: Criteo's schema with a planted ground truth, so every row's click
 * probability is known and the Bayes-optimal AUC can be reported. The planted model is described in
 * README.md ("Synthetic data"); SYNTHETIC_FEATURE_ROLES lists which features matter.
 *
 * A "world" (cardinalities, value frequencies, groups, latent vectors, weights) comes from a world
 * seed (fixed by default, so the default dataset is always the same world); rows come from the row
 * seed: row i is drawn from its own generator seeded by (seed, i), so any range of rows can be
 * generated on its own and files written with the same seed are identical.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { exactAuc } from './auc';
import { MISSING_CATEGORY, createRawRow } from './parse';
import type { RawRow } from './parse';
import { categoryHex, denseValue } from './preprocess';
import { Random, combineSeeds, mix32 } from './random';
import { days7Ranges } from './split';
import { CATEGORICAL_NAMES, DENSE_NAMES, NUM_CATEGORICAL, NUM_DENSE } from './types';

export const DEFAULT_WORLD_SEED = 20190531;

/** Latent dimension of the planted value vectors. */
const LATENT_DIM = 4;

/** Distinct values of C1..C26 (Criteo-like spread, scaled down). */
const CARDINALITIES = [1460, 580, 9000, 4000, 300, 24, 2000, 630, 3, 6000, 5600, 8300, 3200, 27, 7000, 5400, 10, 5600, 2170, 4, 7000, 18, 15, 2800, 100, 1400];
/** Planted latent groups per feature (at most the cardinality). */
const GROUPS = 6;
/** Share of missing values of I1..I13 (Criteo-like). */
const DENSE_MISSING = [0.45, 0, 0.2, 0.2, 0.03, 0.2, 0.04, 0, 0.04, 0.45, 0.04, 0.75, 0.2];
/** Share of missing values of C1..C26. */
const CATEGORICAL_MISSING = [0, 0, 0.03, 0.03, 0, 0.1, 0, 0, 0, 0, 0, 0.03, 0, 0, 0, 0.03, 0, 0, 0.44, 0.44, 0, 0.76, 0, 0, 0.44, 0.44];
/** log-scale location and spread of the dense raw values: raw = floor(exp(mu + sigma z)) - 1. */
const DENSE_MU = [1.0, 2.5, 2.0, 1.8, 6.5, 3.5, 1.5, 2.5, 3.5, 0.5, 1.0, 0.5, 1.8];
const DENSE_SIGMA = [1.0, 1.5, 1.2, 0.9, 2.0, 1.6, 1.3, 1.0, 1.3, 0.6, 0.7, 0.8, 1.1];
/** Main-effect weight of each dense feature (on its standardised log value). 0 = noise. */
const DENSE_WEIGHT = [0.45, 0, -0.35, 0.3, 0.2, -0.15, 0.12, 0.1, -0.08, 0, 0, 0, 0];
/** Main-effect scale of each categorical feature. 0 = no main effect. */
const CATEGORICAL_WEIGHT = [0.7, 0.55, 0.1, 0.1, 0.1, 0.1, 0.15, 0.35, 0.3, 0.3, 0.2, 0.2, 0.15, 0.15, 0.12, 0.12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
/** Pairwise categorical interactions: scale * <u_a, u_b> / sqrt(LATENT_DIM). */
const CATEGORICAL_PAIRS: { a: number; b: number; scale: number }[] = [
  { a: 2, b: 3, scale: 0.8 },
  { a: 4, b: 5, scale: 0.7 },
  { a: 0, b: 7, scale: 0.4 },
];
/** Dense x categorical interaction: scale * zscore(I2) * gamma(C7 value). */
const DENSE_CATEGORICAL_PAIR = { dense: 1, categorical: 6, scale: 0.5 };
/** Zipf exponent of the value frequencies. */
const ZIPF_EXPONENT = 1.1;

/** What each feature does in the planted model (for feature-importance checks). */
export interface SyntheticFeatureRole {
  feature: string;
  role: 'main' | 'interaction' | 'main+interaction' | 'noise';
  /** Rough strength in the planted logit (weight or interaction scale), 0 for noise. */
  strength: number;
}

/** Features that matter, and the pure-noise ones (I10..I13, C17..C26). */
export const SYNTHETIC_FEATURE_ROLES: readonly SyntheticFeatureRole[] = [
  ...DENSE_NAMES.map((feature, i): SyntheticFeatureRole => {
    const interacts = DENSE_CATEGORICAL_PAIR.dense === i;
    const weight = Math.abs(DENSE_WEIGHT[i]);
    const strength = weight + (interacts ? DENSE_CATEGORICAL_PAIR.scale : 0);
    return { feature, role: interacts ? (weight > 0 ? 'main+interaction' : 'interaction') : weight > 0 ? 'main' : 'noise', strength };
  }),
  ...CATEGORICAL_NAMES.map((feature, f): SyntheticFeatureRole => {
    const pairScale = CATEGORICAL_PAIRS.filter((p) => p.a === f || p.b === f).reduce((s, p) => s + p.scale, 0) + (DENSE_CATEGORICAL_PAIR.categorical === f ? DENSE_CATEGORICAL_PAIR.scale : 0);
    const weight = CATEGORICAL_WEIGHT[f];
    return { feature, role: pairScale > 0 ? (weight > 0 ? 'main+interaction' : 'interaction') : weight > 0 ? 'main' : 'noise', strength: weight + pairScale };
  }),
];

/** The planted model. */
export interface SyntheticWorld {
  worldSeed: number;
  /** Intercept of the logit (sets the base click rate). */
  intercept: number;
  /** Factor on the sum of all effects (sets the Bayes-optimal AUC). */
  effectScale: number;
  /** [F] alias tables of the Zipf value distribution: acceptance probability [K_f] and alias [K_f]. */
  valueAccept: Float64Array[];
  valueAlias: Int32Array[];
  /** [F] raw 32-bit value of each value id, [K_f]. */
  valueRaw: Uint32Array[];
  /** [F] planted group of each value id, [K_f]. */
  valueGroup: Int32Array[];
  /** [F] main effect of each value id, [K_f]. */
  valueEffect: Float64Array[];
  /** [F] latent vector of each value id, [K_f, LATENT_DIM]. */
  valueVector: Float64Array[];
  /** Slope of the dense x categorical interaction per value of its categorical feature, [K]. */
  valueSlope: Float64Array;
  /** [F] raw value -> value id. */
  rawToValue: Map<number, number>[];
}

/** Builds the planted model of a world seed. */
export function createSyntheticWorld(worldSeed = DEFAULT_WORLD_SEED): SyntheticWorld {
  const random = new Random(combineSeeds(worldSeed, 0x3011d));
  const valueAccept: Float64Array[] = [];
  const valueAlias: Int32Array[] = [];
  const valueRaw: Uint32Array[] = [];
  const valueGroup: Int32Array[] = [];
  const valueEffect: Float64Array[] = [];
  const valueVector: Float64Array[] = [];
  const rawToValue: Map<number, number>[] = [];
  for (let f = 0; f < NUM_CATEGORICAL; f++) {
    const k = CARDINALITIES[f];
    const weights = Float64Array.from({ length: k }, (_, v) => 1 / Math.pow(v + 1, ZIPF_EXPONENT));
    const { accept, alias } = aliasTable(weights);
    valueAccept.push(accept);
    valueAlias.push(alias);
    const raws = new Uint32Array(k);
    const lookup = new Map<number, number>();
    for (let v = 0; v < k; v++) {
      let raw = mix32(combineSeeds(worldSeed, f, v));
      while (lookup.has(raw)) raw = mix32(raw + 1);
      raws[v] = raw;
      lookup.set(raw, v);
    }
    valueRaw.push(raws);
    rawToValue.push(lookup);
    const groups = Math.min(GROUPS, k);
    const groupEffect = Array.from({ length: groups }, () => random.normal());
    const groupCenter = Array.from({ length: groups }, () => Array.from({ length: LATENT_DIM }, () => random.normal()));
    const group = new Int32Array(k);
    const effect = new Float64Array(k);
    const vector = new Float64Array(k * LATENT_DIM);
    for (let v = 0; v < k; v++) {
      const g = random.int(groups);
      group[v] = g;
      effect[v] = CATEGORICAL_WEIGHT[f] * (groupEffect[g] + 0.5 * random.normal());
      for (let d = 0; d < LATENT_DIM; d++) vector[v * LATENT_DIM + d] = groupCenter[g][d] + 0.35 * random.normal();
    }
    valueGroup.push(group);
    valueEffect.push(effect);
    valueVector.push(vector);
  }
  const slopeFeature = DENSE_CATEGORICAL_PAIR.categorical;
  const groupSlope = Array.from({ length: GROUPS }, () => random.normal());
  const valueSlope = new Float64Array(CARDINALITIES[slopeFeature]);
  for (let v = 0; v < valueSlope.length; v++) valueSlope[v] = groupSlope[valueGroup[slopeFeature][v]] + 0.3 * random.normal();
  return { worldSeed, intercept: -1.4, effectScale: 0.72, valueAccept, valueAlias, valueRaw, valueGroup, valueEffect, valueVector, valueSlope, rawToValue };
}

let defaultWorld: SyntheticWorld | null = null;
/** The default world (built once). */
export function defaultSyntheticWorld(): SyntheticWorld {
  defaultWorld ??= createSyntheticWorld(DEFAULT_WORLD_SEED);
  return defaultWorld;
}

/**
 * Walker/Vose alias table of a discrete distribution: draw column i uniformly, keep it with
 * probability accept[i], else take alias[i]. O(1) per draw.
 */
function aliasTable(weights: Float64Array): { accept: Float64Array; alias: Int32Array } {
  const n = weights.length;
  const total = weights.reduce((sum, w) => sum + w, 0);
  const scaled = Float64Array.from(weights, (w) => (w * n) / total);
  const accept = new Float64Array(n);
  const alias = new Int32Array(n);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    accept[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  for (const i of [...small, ...large]) {
    accept[i] = 1;
    alias[i] = i;
  }
  return { accept, alias };
}

/** One draw from an alias table with one uniform u in [0, 1): its integer part picks the column, the rest decides. */
function sampleValue(accept: Float64Array, alias: Int32Array, u: number): number {
  const x = u * accept.length;
  const column = Math.floor(x);
  return x - column < accept[column] ? column : alias[column];
}

/** Planted group of a raw category value, null when the value is not from this world. */
export function plantedGroup(world: SyntheticWorld, feature: number, raw: number): number | null {
  const v = world.rawToValue[feature].get(raw);
  return v === undefined ? null : world.valueGroup[feature][v];
}

/**
 * Draws row `index` of the row stream `seed` into `out` (raw values, as a parser would give them)
 * and returns its planted click probability. `valueIds` receives the [F] value ids (-1 missing).
 */
export function generateSyntheticRow(world: SyntheticWorld, seed: number, index: number, out: RawRow, valueIds: Int32Array = new Int32Array(NUM_CATEGORICAL)): number {
  const random = new Random(combineSeeds(seed, index, 0x5717));
  let logit = 0;
  let pairZ = 0;
  for (let i = 0; i < NUM_DENSE; i++) {
    const z = random.normal();
    if (random.next() < DENSE_MISSING[i]) {
      out.dense[i] = NaN;
    } else if (i === 1 && random.next() < 0.05) {
      out.dense[i] = -1;
    } else {
      out.dense[i] = Math.max(0, Math.floor(Math.exp(DENSE_MU[i] + DENSE_SIGMA[i] * z)) - 1);
    }
    // the effect uses what preprocessing shows the model: log(max(x,0)+1), missing -> 0
    const raw = out.dense[i];
    const shown = denseValue(raw);
    const standardised = (shown - DENSE_MU[i]) / DENSE_SIGMA[i];
    logit += DENSE_WEIGHT[i] * standardised;
    if (i === DENSE_CATEGORICAL_PAIR.dense) pairZ = standardised;
  }
  const values = valueIds;
  for (let f = 0; f < NUM_CATEGORICAL; f++) {
    const v = sampleValue(world.valueAccept[f], world.valueAlias[f], random.next());
    if (random.next() < CATEGORICAL_MISSING[f]) {
      values[f] = -1;
      out.categorical[f] = MISSING_CATEGORY;
    } else {
      values[f] = v;
      out.categorical[f] = world.valueRaw[f][v];
      logit += world.valueEffect[f][v];
    }
  }
  for (const pair of CATEGORICAL_PAIRS) {
    const va = values[pair.a];
    const vb = values[pair.b];
    if (va < 0 || vb < 0) continue;
    let dot = 0;
    const ua = world.valueVector[pair.a];
    const ub = world.valueVector[pair.b];
    for (let d = 0; d < LATENT_DIM; d++) dot += ua[va * LATENT_DIM + d] * ub[vb * LATENT_DIM + d];
    logit += (pair.scale * dot) / Math.sqrt(LATENT_DIM);
  }
  const slopeValue = values[DENSE_CATEGORICAL_PAIR.categorical];
  if (slopeValue >= 0) logit += DENSE_CATEGORICAL_PAIR.scale * pairZ * world.valueSlope[slopeValue];
  const probability = 1 / (1 + Math.exp(-(world.intercept + world.effectScale * logit)));
  out.label = random.next() < probability ? 1 : 0;
  return probability;
}

/** Summary of generated rows. */
export interface SyntheticSummary {
  rows: number;
  clicks: number;
  clickRate: number;
  /** AUC of the planted probabilities against the sampled labels over all rows. */
  bayesAuc: number;
  /** The same over the test split of the 7-day split (what prepareDataset reports). */
  bayesAucTest: number;
  bytes: number;
}

/** One TSV line; hexByValue[f][v] is the 8-digit hex text of value v of feature f. */
function formatRow(row: RawRow, valueIds: Int32Array, hexByValue: string[][]): string {
  let line = row.label === 1 ? '1' : '0';
  for (let i = 0; i < NUM_DENSE; i++) {
    const x = row.dense[i];
    line += Number.isNaN(x) ? '\t' : `\t${x}`;
  }
  for (let f = 0; f < NUM_CATEGORICAL; f++) {
    const v = valueIds[f];
    line += v < 0 ? '\t' : `\t${hexByValue[f][v]}`;
  }
  return line;
}

async function writeText(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/**
 * Writes `rows` synthetic rows as raw Criteo TSV (40 fields, no header; gzip when the path ends in
 * .gz) and returns counts and the Bayes-optimal AUC. Deterministic for (rows, seed, worldSeed).
 */
export async function writeSyntheticTsv(path: string, rows: number, seed: number, options: { worldSeed?: number; signal?: AbortSignal } = {}): Promise<SyntheticSummary> {
  const world = options.worldSeed === undefined ? defaultSyntheticWorld() : createSyntheticWorld(options.worldSeed);
  const file = createWriteStream(path);
  const gzip = path.endsWith('.gz') ? createGzip() : null;
  if (gzip) gzip.pipe(file);
  const target: Writable = gzip ?? file;
  const probabilities = new Float32Array(rows);
  const labels = new Uint8Array(rows);
  const row = createRawRow();
  const valueIds = new Int32Array(NUM_CATEGORICAL);
  const hexByValue = world.valueRaw.map((raws) => Array.from(raws, categoryHex));
  let text = '';
  let clicks = 0;
  for (let i = 0; i < rows; i++) {
    probabilities[i] = generateSyntheticRow(world, seed, i, row, valueIds);
    labels[i] = row.label;
    clicks += row.label;
    text += formatRow(row, valueIds, hexByValue) + '\n';
    if (text.length > 1 << 20) {
      if (options.signal?.aborted) break;
      await writeText(target, text);
      text = '';
    }
  }
  if (text.length > 0) await writeText(target, text);
  target.end();
  await once(file, 'close');
  const { start: testStart, end: testEnd } = days7Ranges(rows).test;
  return {
    rows,
    clicks,
    clickRate: rows > 0 ? clicks / rows : 0,
    bayesAuc: exactAuc(probabilities, labels),
    bayesAucTest: exactAuc(probabilities.subarray(testStart, testEnd), labels.subarray(testStart, testEnd)),
    bytes: file.bytesWritten,
  };
}

