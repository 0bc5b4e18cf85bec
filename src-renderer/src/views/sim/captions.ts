/**
 * What each simulation metric means, in plain words, for the captions under the plots. (The engine
 * keeps its own copy in src-main/engine/sim/metrics.ts; the renderer may not import main-side code.)
 */
import type { SimulationRoundMetrics } from '../../../../src-main/service/contract';

export type SimMetricName = Exclude<keyof SimulationRoundMetrics, 'round'>;

export interface SimMetricInfo {
  name: SimMetricName;
  title: string;
  caption: string;
  /** How values print: shares as percentages, the rest as plain numbers. */
  kind: 'share' | 'number' | 'count';
  /** Which way is "more engagement" or "more diversity", for the frontier pickers. */
  family: 'engagement' | 'diversity' | 'other';
}

export const SIM_METRICS: readonly SimMetricInfo[] = [
  {
    name: 'clickRate',
    title: 'Click rate',
    caption: 'Share of slates that got a click this round. Higher means more engagement — what an engagement-maximising recommender optimises.',
    kind: 'share',
    family: 'engagement',
  },
  {
    name: 'meanUtility',
    title: 'Utility of what users consumed',
    caption:
      'How much users actually liked what they clicked: topic fit, item quality and the pull of extreme content, averaged over clicks. The oracle shows what is reachable.',
    kind: 'number',
    family: 'engagement',
  },
  {
    name: 'intraListDiversity',
    title: 'Diversity within a slate',
    caption: 'How different the items shown together are (1 − topic similarity, averaged over pairs in a slate). 0 means every item on the same topic mix.',
    kind: 'number',
    family: 'diversity',
  },
  {
    name: 'coverage',
    title: 'Catalogue coverage',
    caption: 'Share of the catalogue shown to anyone this round. Low coverage means a few items get all the attention.',
    kind: 'share',
    family: 'diversity',
  },
  {
    name: 'exposureGini',
    title: 'Concentration of exposure (Gini)',
    caption: 'How unequally impressions are spread over items: 0 when every item is shown equally often, near 1 when a handful get everything.',
    kind: 'number',
    family: 'other',
  },
  {
    name: 'topicEntropy',
    title: 'Topic variety per user',
    caption: "How spread each user's recent clicks are over topics (0 to 1), averaged over users. A falling line means users are closing into a filter bubble.",
    kind: 'number',
    family: 'diversity',
  },
  {
    name: 'homogenization',
    title: 'Homogenisation',
    caption:
      'How much two random users have consumed the same items (Jaccard similarity, after Chaney, Stewart and Engelhardt 2018). Rising means everyone is pushed toward the same things.',
    kind: 'number',
    family: 'other',
  },
  {
    name: 'polarization',
    title: 'Polarisation of predictions',
    caption:
      "How much the policy's predicted click probability for an item differs between users, averaged over items (after Rastegarpanah, Gummadi and Crovella 2019). High means the model splits users into camps; zero for policies that predict nothing per user.",
    kind: 'number',
    family: 'other',
  },
  {
    name: 'extremeShare',
    title: 'Share of extreme content',
    caption: 'Share of clicks that went to extreme items. Watch it rise when preferences drift toward extremes and the recommender follows the clicks.',
    kind: 'share',
    family: 'other',
  },
  {
    name: 'activeUsers',
    title: 'Active users',
    caption: 'Users still using the service. With churn on, users leave after too many slates in a row without a click.',
    kind: 'count',
    family: 'other',
  },
];

export function metricInfo(name: SimMetricName): SimMetricInfo {
  return SIM_METRICS.find((entry) => entry.name === name) ?? SIM_METRICS[0];
}

export function formatMetricValue(info: SimMetricInfo, value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (info.kind === 'share') return `${(value * 100).toFixed(1)}%`;
  if (info.kind === 'count') return Math.round(value).toLocaleString('en-US');
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(3);
}

export const FRONTIER_CAPTION =
  'Each point is one policy, averaged over the last quarter of the rounds. Up is more engagement, right is more diversity. ' +
  'Sweeping MMR’s λ (the weight of relevance against novelty) traces the trade-off: λ = 1 ranks by predicted clicks only, ' +
  'smaller λ buys diversity with engagement. The greedy policy and the oracle (which knows what users truly like) are marked for reference.';

export const TRACKED_USER_CAPTION =
  'The topics one simulated user clicked, round by round (each band is a topic; its height is that topic’s share of the user’s clicks). ' +
  'Under an engagement-greedy policy the bands often narrow to one or two topics: the filter bubble, seen from one person.';
