/**
 * Collaborative filtering beside DLRM (the course's Part I): neighbourhood CF and ALS matrix
 * factorisation over a sparse users x items matrix, with held-out ranking metrics. A leaf: imports
 * only engine/random. See README.md.
 */
export { RatingMatrix } from './matrix';
export type { Entry } from './matrix';
export { UserKnn, ItemKnn } from './neighbourhood';
export type { Feedback, ItemScorer, Neighbours, NeighbourhoodOptions, Similarity } from './neighbourhood';
export { AlsModel, choleskySolve, gramMatrix, normalEquations } from './als';
export type { AlsOptions, Side } from './als';
export { evaluateRanking, rankingAtK, topK } from './ranking';
export type { RankingMetrics } from './ranking';
export { computeAntidote, socialMetrics } from './antidote';
export type { AntidoteObjective, AntidoteOptions, AntidoteResult, SocialMetrics } from './antidote';
