/**
 * Metric helpers of the simulation and the plain-language caption of every per-round metric.
 */
import type { SimulationRoundMetrics } from '../../domain';
import { popcount32 } from './select';

/** The per-round metric names (every field of SimulationRoundMetrics except `round`). */
export type SimulationMetricName = Exclude<keyof SimulationRoundMetrics, 'round'>;

/** One plain-language caption per metric, for plot titles and tooltips. */
export const METRIC_CAPTIONS: Record<SimulationMetricName, { title: string; caption: string }> = {
  clickRate: {
    title: 'Click rate',
    caption: 'Share of recommendation slates that got a click this round. Higher means more engagement.',
  },
  meanUtility: {
    title: 'Utility of consumed items',
    caption:
      'How much users actually liked what they clicked (topic fit + quality + the pull of extreme content), averaged over clicks. The oracle policy shows what is reachable.',
  },
  intraListDiversity: {
    title: 'Diversity within a slate',
    caption:
      'How different the items in one slate are from each other (1 minus the topic similarity, averaged over pairs). 0: every item on the same topic mix.',
  },
  coverage: {
    title: 'Catalogue coverage',
    caption: 'Share of the catalogue that was shown to anyone this round. Low coverage means a few items get all the attention.',
  },
  exposureGini: {
    title: 'Concentration of exposure (Gini)',
    caption: 'How unequally impressions are spread over items: 0 when every item is shown equally often, near 1 when a handful get everything.',
  },
  topicEntropy: {
    title: 'Topic variety per user',
    caption:
      "How spread each user's last 10 consumed items are over topics (entropy, 0 to 1), averaged over users. Falling values mean users are closing into a filter bubble.",
  },
  homogenization: {
    title: 'Homogenisation',
    caption:
      'How much two users picked at random have consumed the same items (Jaccard similarity of their consumed sets, after Chaney et al. 2018). Rising values mean everyone is pushed toward the same things.',
  },
  polarization: {
    title: 'Polarisation of predictions',
    caption:
      "How much the policy's predicted click probability for an item varies across users, averaged over items (after Rastegarpanah et al. 2019). High values mean the model splits users into camps. Zero for policies that predict nothing user-specific (random, popularity).",
  },
  extremeShare: {
    title: 'Share of extreme content',
    caption: 'Share of clicks that went to extreme items (extremeness at least 0.75; about 13% of the catalogue).',
  },
  activeUsers: {
    title: 'Active users',
    caption: 'Users still using the service this round; users may leave after too many slates in a row without a click.',
  },
};

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
