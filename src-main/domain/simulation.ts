/** The recommender feedback-loop simulation: its spec, policies and per-round metrics. */
import type { RunStatus } from './run-config';

export type PolicyKind =
  | 'random' | 'popularity' | 'oracle' | 'greedy-mf' | 'greedy-dlrm' | 'epsilon-greedy' | 'mmr' | 'calibrated'
  /** Collaborative filtering on the logged clicks: user-user, item-item, implicit ALS. */
  | 'user-knn' | 'item-knn' | 'als'
  /** Learning policies: a contextual bandit, and discounted clicks over a horizon. */
  | 'linucb' | 'long-term';

/** What the UI shows of a policy kind; declared once in the engine (sim/spec.ts), served by 'sim.policies'. */
export interface PolicyDescription {
  kind: PolicyKind;
  /** Short name for menus and legends, e.g. "Item-item CF". */
  label: string;
  /** The parameter the kind takes, if any. */
  parameter: 'epsilon' | 'lambda' | null;
  /** One sentence on what it does. */
  hint: string;
}

export interface PolicySpec {
  kind: PolicyKind;
  /** epsilon-greedy: exploration probability. */
  epsilon?: number;
  /** MMR: weight of relevance (1 = pure relevance). */
  lambda?: number;
  /** Name shown in plots. */
  label?: string;
}

export interface SimulationSpec {
  name?: string;
  seed: number;
  users: number;
  items: number;
  topics: number;
  rounds: number;
  slateSize: number;
  newItemsPerRound: number;
  retrainEvery: number;
  /** Drift of a user's preferences toward consumed items, 0..1. */
  drift: number;
  /** Extra drift toward extreme content, 0..1. */
  extremeDrift: number;
  /** Users leave after this many consecutive slates without a click (0: never). */
  churnAfter: number;
  /** Random exploration rounds before the first training. */
  startupRounds: number;
  policies: PolicySpec[];
}

export interface SimulationSummary {
  id: string;
  name: string;
  status: RunStatus;
  createdAt: string;
  seed: number;
  progress: number;
  policies: string[];
}

export interface SimulationRoundMetrics {
  round: number;
  clickRate: number;
  meanUtility: number;
  intraListDiversity: number;
  coverage: number;
  exposureGini: number;
  topicEntropy: number;
  homogenization: number;
  polarization: number;
  extremeShare: number;
  activeUsers: number;
}

export interface SimulationDetail extends SimulationSummary {
  spec: SimulationSpec;
  /** policy label -> per-round metrics. */
  metrics: Record<string, SimulationRoundMetrics[]>;
  /** policy label -> topic shares of one tracked user's consumption per round [round][topic]. */
  trackedUser: Record<string, number[][]>;
  error: string | null;
}

/** What the antidote-data experiment lowers (Rastegarpanah, Gummadi and Crovella 2019). */
export type AntidoteObjective = 'polarization' | 'unfairness';

export interface AntidoteInput {
  /** Seed of the world (default 42). */
  seed?: number;
  /** Antidote users as shares of the users, each in (0, 1] (default 0.01, 0.02, 0.05, 0.1). */
  budgets?: number[];
  /** Default 'polarization'. */
  objective?: AntidoteObjective;
}

/** Social measures of a recommender's predictions for the real users. */
export interface SocialMeasures {
  /** Mean over items of the variance across users of the predicted rating. */
  polarization: number;
  /** Mean squared error of group 0 (clicks at or below the median) and group 1 (above). */
  groupError: [number, number];
  /** (groupError[0] - groupError[1])^2 / 4. */
  unfairness: number;
  /** Mean squared error over every rating. */
  error: number;
}

export interface AntidoteResultPoint {
  budget: number;
  antidoteUsers: number;
  before: SocialMeasures;
  after: SocialMeasures;
}

export interface AntidoteExperimentResult {
  seed: number;
  users: number;
  items: number;
  ratings: number;
  objective: AntidoteObjective;
  groupSizes: [number, number];
  points: AntidoteResultPoint[];
}
