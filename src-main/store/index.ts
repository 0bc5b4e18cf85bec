/** Public face of the store; the service imports from here. See README.md. */
export { openStore, openReadonlyStore, ReadonlyStore, WritableStore } from './store';
export type { OpenStoreOptions, RecoveredWork } from './store';
export type { ConnectionOptions } from './db';
export {
  StoreError,
  DatabaseTooNewError,
  DatabaseNotMigratedError,
  NotFoundError,
  InvalidTransitionError,
  InvalidInputError,
  ImportFormatError,
} from './errors';
export type { StoreErrorCode } from './errors';
export { defaultDataDir, defaultDatabasePath, DATA_DIR_ENV, DATABASE_FILE_NAME, RUNS_FOLDER } from './paths';
export { METRIC_SUFFIX, metricDirection, metricValuesToPoints } from './metrics';
export type { MetricPoint, MetricSeriesQuery, MetricSummary } from './metrics';
export { RUN_STATUSES, RUN_TRANSITIONS } from './runs';
export type {
  ArtifactInput,
  CreateRunOptions,
  EndStatus,
  ListRunsQuery,
  ResumeInfo,
  RunSortKey,
  StartedRunInfo,
  StoredRunDetail,
} from './runs';
export { simulationPolicyLabels } from './simulations';
export type { CreateSimulationOptions, SimulationRoundInput } from './simulations';
export type { StoredSweepDetail, TrialChanges } from './sweeps';
export { EXPORT_FORMAT, EXPORT_VERSION, CSV_COLUMNS, parseRunsExport } from './exchange';
export type { ExportedRun, ImportResult, RunsExport } from './exchange';
export { SCHEMA_VERSION } from './migrations';
