/**
 * Metric helpers of the simulation. (Each metric's title and caption are the domain's:
 * src-main/domain/simulation-vocabulary.ts.)
 */
import { popcount32 } from './select';

export type { SimulationMetricName } from '../../domain/simulation-vocabulary';

/**
 * Gini coefficient of non-negative values[0 .. count): 0 for perfect equality, (count-1)/count
 * when one entry holds everything. Sorts a copy; O(count log count).
 */
export function gini(values: ArrayLike<number>, count = values.length): number {
  if (count <= 1) return 0;
  const sorted = new Float64Array(count);
  for (let i = 0; i < count; i++) sorted[i] = values[i]!;
  sorted.sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < count; i++) {
    total += sorted[i]!;
    weighted += (i + 1) * sorted[i]!;
  }
  if (total <= 0) return 0;
  return (2 * weighted) / (count * total) - (count + 1) / count;
}

/** Shannon entropy of a distribution (values normalised here) divided by log(length): 0..1. */
export function normalizedEntropy(distribution: ArrayLike<number>, length = distribution.length): number {
  if (length <= 1) return 0;
  let total = 0;
  for (let k = 0; k < length; k++) total += distribution[k]!;
  if (total <= 0) return 0;
  let entropy = 0;
  for (let k = 0; k < length; k++) {
    const p = distribution[k]! / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return entropy / Math.log(length);
}

/**
 * Intra-list diversity of a slate: mean over item pairs of 1 - cosine of their topic vectors
 * (unitTopics rows already L2-normalised, [items, T]). 0 for slates of fewer than two items.
 */
export function intraListDiversity(slate: Int32Array, length: number, unitTopics: Float32Array, topics: number): number {
  if (length < 2) return 0;
  let sum = 0;
  for (let a = 0; a < length; a++) {
    const qa = slate[a]! * topics;
    for (let b = a + 1; b < length; b++) {
      const qb = slate[b]! * topics;
      let dot = 0;
      for (let t = 0; t < topics; t++) dot += unitTopics[qa + t]! * unitTopics[qb + t]!;
      sum += 1 - dot;
    }
  }
  return sum / ((length * (length - 1)) / 2);
}

/** Jaccard similarity of two bitset rows of `words` words: |A and B| / |A or B| (0 when both empty). */
export function jaccardBits(bits: Uint32Array, baseA: number, baseB: number, words: number): number {
  let both = 0;
  let either = 0;
  for (let w = 0; w < words; w++) {
    const a = bits[baseA + w]!;
    const b = bits[baseB + w]!;
    both += popcount32(a & b);
    either += popcount32(a | b);
  }
  return either === 0 ? 0 : both / either;
}
