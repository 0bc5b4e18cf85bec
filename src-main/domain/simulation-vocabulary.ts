/**
 * The simulation's words, declared once: what each per-round metric is called and means, how its
 * values print, and the label a policy gets when its spec names none. The engine stores metrics and
 * labels under these names; the CLI and the renderer show these titles and captions (the renderer
 * imports this file's values: plain data and pure functions, nothing that needs Node).
 *
 * To add a metric: add its field to SimulationRoundMetrics (simulation.ts) and its entry here (the
 * Record type refuses a missing one). To give a new policy kind a parameterised default label: add a
 * case to policyLabel.
 */
import type { PolicySpec, SimulationRoundMetrics } from './simulation';

/** The per-round metric names (every field of SimulationRoundMetrics except `round`). */
export type SimulationMetricName = Exclude<keyof SimulationRoundMetrics, 'round'>;

export interface SimulationMetricInfo {
  name: SimulationMetricName;
  /** Plot title. */
  title: string;
  /** One or two plain sentences under the plot. */
  caption: string;
  /** How values print: shares as percentages, counts as whole numbers, the rest as plain numbers. */
  kind: 'share' | 'number' | 'count';
  /** Which way is "more engagement" or "more diversity", for the frontier pickers. */
  family: 'engagement' | 'diversity' | 'other';
}

const METRICS: { [Name in SimulationMetricName]: Omit<SimulationMetricInfo, 'name'> } = {
  clickRate: {
    title: 'Click rate',
    caption: 'Share of slates that got a click this round. Higher means more engagement — what an engagement-maximising recommender optimises.',
    kind: 'share',
    family: 'engagement',
  },
  meanUtility: {
    title: 'Utility of what users consumed',
    caption:
      'How much users actually liked what they clicked: topic fit, item quality and the pull of extreme content, averaged over clicks. The oracle shows what is reachable.',
    kind: 'number',
    family: 'engagement',
  },
  intraListDiversity: {
    title: 'Diversity within a slate',
    caption: 'How different the items shown together are (1 − topic similarity, averaged over pairs in a slate). 0 means every item on the same topic mix.',
    kind: 'number',
    family: 'diversity',
  },
  coverage: {
    title: 'Catalogue coverage',
    caption: 'Share of the catalogue shown to anyone this round. Low coverage means a few items get all the attention.',
    kind: 'share',
    family: 'diversity',
  },
  exposureGini: {
    title: 'Concentration of exposure (Gini)',
    caption: 'How unequally impressions are spread over items: 0 when every item is shown equally often, near 1 when a handful get everything.',
    kind: 'number',
    family: 'other',
  },
  topicEntropy: {
    title: 'Topic variety per user',
    caption:
      "How spread each user's last 10 consumed items are over topics (entropy, 0 to 1), averaged over users. A falling line means users are closing into a filter bubble.",
    kind: 'number',
    family: 'diversity',
  },
  homogenization: {
    title: 'Homogenisation',
    caption:
      'How much two random users have consumed the same items (Jaccard similarity, after Chaney, Stewart and Engelhardt 2018). Rising means everyone is pushed toward the same things.',
    kind: 'number',
    family: 'other',
  },
  polarization: {
    title: 'Polarisation of predictions',
    caption:
      "How much the policy's predicted click probability for an item differs between users, averaged over items (after Rastegarpanah, Gummadi and Crovella 2019). High means the model splits users into camps; zero for policies that predict nothing per user.",
    kind: 'number',
    family: 'other',
  },
  extremeShare: {
    title: 'Share of extreme content',
    caption:
      'Share of clicks that went to extreme items (extremeness at least 0.75; about 13% of the catalogue). Watch it rise when preferences drift toward extremes and the recommender follows the clicks.',
    kind: 'share',
    family: 'other',
  },
  activeUsers: {
    title: 'Active users',
    caption: 'Users still using the service. With churn on, users leave after too many slates in a row without a click.',
    kind: 'count',
    family: 'other',
  },
};

/** Every per-round metric, in the order plots and tables show them. */
export const SIMULATION_METRICS: readonly SimulationMetricInfo[] = Object.entries(METRICS).map(([name, info]) => ({
  name: name as SimulationMetricName,
  ...info,
}));

/** Title, caption, kind and family of one metric. */
export function simulationMetricInfo(name: SimulationMetricName): SimulationMetricInfo {
  return { name, ...METRICS[name] };
}

/** Defaults of the policy parameters when a spec leaves them out. */
export const DEFAULT_EPSILON = 0.1;
export const DEFAULT_LAMBDA = 0.5;

/**
 * The label a policy gets in plots, the store and exports when its spec gives none, e.g.
 * "mmr lambda=0.5". (The engine's validateSimulationSpec also makes labels unique with " #2", ...)
 */
export function policyLabel(policy: PolicySpec): string {
  if (policy.label !== undefined && policy.label.trim() !== '') return policy.label.trim();
  switch (policy.kind) {
    case 'epsilon-greedy':
      return `epsilon-greedy epsilon=${policy.epsilon ?? DEFAULT_EPSILON}`;
    case 'mmr':
      return `mmr lambda=${policy.lambda ?? DEFAULT_LAMBDA}`;
    case 'calibrated':
      return `calibrated lambda=${policy.lambda ?? DEFAULT_LAMBDA}`;
    default:
      return policy.kind;
  }
}
