/**
 * Closed-loop recommender feedback simulation (engine side of issue 5). See README.md.
 * Imports only the contract's types; never store, service or doors; no tfjs.
 */
export { runSimulation, sweep, meanOverLastRounds, TRACKED_USER, HOMOGENIZATION_PAIRS } from './simulate';
export type { SimulationRunOptions, SimulationResult, SweepOptions, SweepResult, FrontierPoint } from './simulate';
export {
  DEFAULT_SIMULATION,
  DEFAULT_EPSILON,
  DEFAULT_LAMBDA,
  MAX_USER_ITEM_PAIRS,
  MAX_IMPRESSIONS,
  POLICY_KINDS,
  POLICY_DESCRIPTIONS,
  SimulationSpecError,
  policyLabel,
  validateSimulationSpec,
} from './spec';
export { gini, normalizedEntropy, intraListDiversity } from './metrics';
export type { SimulationMetricName } from './metrics';
export { MatrixFactorizationTrainer } from './model';
export { CollaborativeTrainer, CF_POLICY_SETTINGS, clickMatrix, fitCollaborative } from './cf-models';
export type { CollaborativeKind } from './cf-models';
export type { ClickModelTrainer, Scorer, MatrixFactorizationOptions } from './model';
export { ImpressionLog } from './log';
export type { InteractionLog, SimulationFeatures } from './log';
export { WORLD_CONSTANTS, World } from './world';
export { createPolicy, isRetrainRound, POLARIZATION_SAMPLE_USERS, SCORE_CACHE_LIMIT } from './policies';
export type { Policy, PolicyContext, PolicyFactoryOptions } from './policies';
export { benchSimulation, BENCH_SIMULATION } from './bench';
export type { SimulationBenchResult } from './bench';
export { compareRecommenders, randomLog, recommenderComparisonTables } from './recommender-comparison';
export type { RecommenderComparison, RecommenderComparisonOptions, RankingRow, LoopRow } from './recommender-comparison';
export { runAntidoteExperiment, logRatings, ANTIDOTE_WORLD, DEFAULT_ANTIDOTE_BUDGETS } from './antidote-experiment';
export type { AntidoteExperiment, AntidoteExperimentOptions, AntidotePoint } from './antidote-experiment';
