/** Public API of engine/data (see README.md). */
export { exactAuc } from './auc';
export { sliceBatch } from './batch';
export { benchPreprocess } from './bench';
export type { PreprocessBenchResult } from './bench';
export { CACHE_FORMAT_VERSION, cacheKey, preparedDistinctCounts, readCacheHeader, readCachedRows } from './cache';
export { DistinctCounter, EXACT_DISTINCT_LIMIT } from './distinct';
export type { DistinctCounts } from './distinct';
export type { CacheHeader, CachedFileReport } from './cache';
export { DatasetCancelledError, DatasetError } from './errors';
export { CriteoLineParser, FIELD_NAMES, MISSING_CATEGORY, createRawRow, detectFirstLine } from './parse';
export type { RawRow, RowProblem, TextFormat } from './parse';
export { MAX_SYNTHETIC_ROWS, VALID_TAIL_FRACTION, generateSyntheticSplit, prepareDataset, prepareScoringFile } from './prepare';
export type { PrepareOptions, PreparedDataset, PreparedSource, ScoringFile } from './prepare';
export { Preprocessor, U32Map, Vocabulary, VocabularyCounter, categoryHex, denseValue, hashedRow, preprocessFieldText } from './preprocess';
export type { CategoricalEncoding, PreprocessConfig, PreprocessedField, PreprocessingState } from './preprocess';
export { previewFile } from './preview';
export { isGzipFile, readCriteoFile } from './reader';
export type { CriteoFileInfo, CriteoReadOptions, ReadProgress, ReadSummary } from './reader';
export { Random, combineSeeds, permutation } from './random';
export { CachedBatchSource, DEFAULT_CHUNK_ROWS, InMemoryBatchSource, allocateBatch, sliceSplit } from './sources';
export type { BatchSource, BatchSourceLike } from './sources';
export { days7Ranges, randomSplitAssigner } from './split';
export type { RowRange, SplitPart, SplitRanges } from './split';
export { FeatureStats } from './stats';
export type { FeatureStatsSnapshot, GroupLookup, TableRowInfo } from './stats';
export {
  DEFAULT_WORLD_SEED,
  SYNTHETIC_FEATURE_ROLES,
  createSyntheticWorld,
  defaultSyntheticWorld,
  generateSyntheticRow,
  plantedGroup,
  writeSyntheticTsv,
} from './synthetic';
export type { SyntheticFeatureRole, SyntheticSummary, SyntheticWorld } from './synthetic';
export * from './types';
