/** Public API of engine/explore (the test double lives in ./testing, the timing script in ./bench). */
export type { ExplainableModel } from './model-interface';
export { DEFAULT_POINT_LIMITS, gatherRows, sampleRowsByFrequency, type FrequencySampleOptions } from './sample';
export { PCA_COMPONENTS, PCA_MAX_DIMS, pca, randomProjection, symmetricEigen, type PcaOptions, type PcaResult } from './pca';
export { defaultPerplexity, tsne, type TsneOptions, type TsneResult } from './tsne';
export { umap, type UmapOptions, type UmapResult } from './umap';
export {
  bottomOutputs,
  projectPoints,
  projectTable,
  type ProjectedPoints,
  type ProjectionMethodName,
  type ProjectionOptions,
  type TableProjection,
  type TableProjectionOptions,
} from './project';
export { knnGraph, nearestNeighbors, type DistanceMetric, type KnnGraph, type NeighborHit } from './neighbors';
export { interactionHeatmap, pairRemovalLogLoss, rowInteractionHeatmap, type InteractionHeatmap, type RowHeatmap } from './heatmap';
export { featureRemovalImportance, type FeatureRemovalEntry, type FeatureRemovalOptions, type FeatureRemovalResult } from './importance';
export { recommendItems, type DrivingPair, type ItemCandidate, type ItemRecommendation, type RecommendOptions } from './recommend';
export {
  matrixFactorisationCheck,
  type MatrixFactorisationCheck,
  type MatrixFactorisationOptions,
  type UserItemPair,
} from './matrix-factorisation';
export { logLoss, rocAuc } from './metrics';
export {
  batchFromSplitRows,
  interactionLabels,
  oneHotIndices,
  repeatWithFeature,
  sliceBatch,
  withCategoricalReplaced,
  withDenseZeroed,
} from './batch';
