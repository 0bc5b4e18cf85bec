/**
 * A generator of Criteo-format text at Criteo Kaggle scale: any number of rows, with the published
 * number of distinct values of each of C1..C26 in the Kaggle train set (45,840,617 rows), streamed to
 * disk in bounded memory (no per-value tables: a value's raw hex is a bijection of its index).
 *
 * Values of feature f (K_f = cardinalities[f]): row i < K_f takes value index i (so every one of the
 * min(K_f, rows) values appears and the distinct count is exactly min(K_f, rows)); a later row takes a
 * log-uniform index floor((K_f + 1)^u) - 1 (P(v) ~ 1/(v + 1): Zipf-like with exponent 1), or is
 * missing with the feature's missing share. The raw value is mix32(((f << 24) | v) ^ seed salt), a
 * bijection of 32-bit integers, so distinct indices give distinct hex values. Dense values are
 * lognormal-ish integers, the label a Bernoulli draw of a logistic of a few head values and I1. This
 * file is for memory and throughput benchmarks; its quality signal is weak and not planted like
 * synthetic.ts's.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mix32 } from './random';
import { NUM_CATEGORICAL, NUM_DENSE } from './types';
import { DatasetError } from './errors';

/**
 * Distinct values of C1..C26 in the Criteo Kaggle train set (the counts the reference DLRM's Kaggle
 * preprocessing reports; 33,762,577 in all).
 */
export const KAGGLE_CARDINALITIES: readonly number[] = [
  1460, 583, 10131227, 2202608, 305, 24, 12517, 633, 3, 93145, 5683, 8351593, 3194, 27, 14992, 5461306, 10, 5652, 2173, 4, 7046547, 18, 15, 286181, 105, 142572,
];
/** Rows of the Criteo Kaggle train set. */
export const KAGGLE_ROWS = 45_840_617;

/** Share of missing values of C1..C26 after a feature's first K_f rows (Criteo-like). */
const CATEGORICAL_MISSING = [0, 0, 0.03, 0.03, 0, 0.1, 0, 0, 0, 0, 0, 0.03, 0, 0, 0, 0.03, 0, 0, 0.44, 0.44, 0, 0.76, 0, 0, 0.44, 0.44];
const DENSE_MISSING = [0.45, 0, 0.2, 0.2, 0.03, 0.2, 0.04, 0, 0.04, 0.45, 0.04, 0.75, 0.2];
const DENSE_MU = [1.0, 2.5, 2.0, 1.8, 6.5, 3.5, 1.5, 2.5, 3.5, 0.5, 1.0, 0.5, 1.8];
const DENSE_SIGMA = [1.0, 1.5, 1.2, 0.9, 2.0, 1.6, 1.3, 1.0, 1.3, 0.6, 0.7, 0.8, 1.1];
/** Largest cardinality the raw-value bijection allows (value indices need 24 bits). */
const MAX_CARDINALITY = 1 << 24;

export interface KaggleScaleOptions {
  rows: number;
  seed?: number;
  /** [F] distinct values per feature; default KAGGLE_CARDINALITIES. */
  cardinalities?: readonly number[];
  /** Called about every 1% of rows with rows written and bytes written. */
  onProgress?: (rowsWritten: number, bytesWritten: number) => void;
  signal?: AbortSignal;
}

/** Raw 32-bit value of value index v of feature f (a bijection for v < 2^24). */
export function kaggleScaleRaw(f: number, v: number, seed: number): number {
  return mix32(((f << 24) | v) ^ mix32(seed));
}

/** Writes `rows` rows of Criteo text (tab-separated, no header) to path; returns bytes written. */
export async function writeKaggleScaleFile(path: string, options: KaggleScaleOptions): Promise<number> {
  const cardinalities = options.cardinalities ?? KAGGLE_CARDINALITIES;
  const seed = options.seed ?? 1;
  if (cardinalities.length !== NUM_CATEGORICAL) throw new DatasetError(`cardinalities needs ${NUM_CATEGORICAL} numbers, got ${cardinalities.length}`, { field: 'cardinalities' });
  for (const k of cardinalities) {
    if (!Number.isInteger(k) || k < 1 || k > MAX_CARDINALITY) throw new DatasetError(`each cardinality must be an integer from 1 to 2^24, got ${k}`, { field: 'cardinalities' });
  }
  if (!Number.isInteger(options.rows) || options.rows < 1) throw new DatasetError(`rows must be a positive integer, got ${options.rows}`, { field: 'rows' });
  const logSizes = cardinalities.map((k) => Math.log(k + 1));
  const out = createWriteStream(path);
  let state = mix32(seed ^ 0x5bd1e995) || 1;
  const uniform = (): number => {
    // xorshift32: fast, enough for benchmark data
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const progressEvery = Math.max(1, Math.floor(options.rows / 100));
  let bytes = 0;
  let lines: string[] = [];
  const fields: string[] = new Array<string>(1 + NUM_DENSE + NUM_CATEGORICAL);
  try {
    for (let i = 0; i < options.rows; i++) {
      if (options.signal?.aborted) throw new DatasetError('generation cancelled');
      let logit = -1.4;
      for (let d = 0; d < NUM_DENSE; d++) {
        if (uniform() < DENSE_MISSING[d]) {
          fields[1 + d] = '';
          continue;
        }
        const z = (uniform() + uniform() + uniform() - 1.5) * 2;
        const value = Math.max(0, Math.floor(Math.exp(DENSE_MU[d] + DENSE_SIGMA[d] * z)) - 1);
        if (d === 0) logit += 0.3 * Math.min(3, Math.log(value + 1) - 1);
        fields[1 + d] = String(value);
      }
      for (let f = 0; f < NUM_CATEGORICAL; f++) {
        const k = cardinalities[f];
        let v: number;
        if (i < k) v = i;
        else if (uniform() < CATEGORICAL_MISSING[f]) {
          fields[1 + NUM_DENSE + f] = '';
          continue;
        } else v = Math.min(k - 1, Math.floor(Math.exp(uniform() * logSizes[f])) - 1);
        // head values of C1, C2 and C8 move the click rate
        if ((f === 0 || f === 1 || f === 7) && v < 8) logit += ((mix32(f * 31 + v) & 0xff) / 255 - 0.5) * 1.6;
        fields[1 + NUM_DENSE + f] = kaggleScaleRaw(f, v, seed).toString(16).padStart(8, '0');
      }
      fields[0] = uniform() < 1 / (1 + Math.exp(-logit)) ? '1' : '0';
      lines.push(fields.join('\t'));
      if (lines.length === 4096 || i === options.rows - 1) {
        const chunk = lines.join('\n') + '\n';
        lines = [];
        bytes += Buffer.byteLength(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
      }
      if ((i + 1) % progressEvery === 0) options.onProgress?.(i + 1, bytes);
    }
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    throw error;
  }
  return bytes;
}
