/**
 * Over 400 lines: the read-only and writable store faces, one method per stored operation.
 * The two faces of the tracker: `ReadonlyStore` (a `{ readonly: true }` connection for UI polling;
 * it has no write methods) and `WritableStore` (the one writer: migrations, crash recovery, all
 * writes, plus every read). In WAL mode a reader sees the last committed state and never blocks the
 * writer, and the writer never blocks readers.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {
  ArtifactInfo,
  BestStepInfo,
  DatasetDescription,
  MetricSeries,
  MetricValues,
  RunStatus,
  RunSummary,
  SimulationDetail,
  SimulationSpec,
  SimulationSummary,
  StartRunInput,
  SweepSetting,
  SweepSpec,
  SweepSummary,
  SweepValue,
} from '../domain';
import { isProcessAlive, openReadableDB, openWritableDB, readUserVersion, type ConnectionOptions, type ReadableDB, type WritableDB } from './db';
import { DatabaseNotMigratedError, DatabaseTooNewError } from './errors';
import { exportMetricsCsv, exportRuns, importRuns, type ImportResult, type RunsExport } from './exchange';
import { migrate, type MigrationResult } from './migrate';
import { SCHEMA_VERSION } from './migrations';
import {
  appendMetricPoints,
  deleteMetricPointsAfter,
  metricNames,
  metricSeries,
  metricSummaries,
  metricValuesToPoints,
  type MetricPoint,
  type MetricSeriesQuery,
  type MetricSummary,
} from './metrics';
import { resolveArtifactPath, runFolder, toStoredArtifactPath } from './paths';
import {
  artifactsOf,
  deleteArtifactRecord,
  deleteRunRows,
  getRun,
  insertRun,
  listRuns,
  markRunEnded,
  markRunInterrupted,
  markRunQueuedForResume,
  markRunStarted,
  markRunsInterrupted,
  renameRun,
  resumePoint,
  setRunBest,
  setRunDataset,
  setRunNotes,
  setRunProgress,
  setRunTags,
  upsertArtifact,
  type ArtifactInput,
  type CreateRunOptions,
  type EndStatus,
  type ListRunsQuery,
  type ResumeInfo,
  type StartedRunInfo,
  type StoredRunDetail,
} from './runs';
import {
  appendSimulationRounds,
  deleteSimulationRows,
  getSimulation,
  insertSimulation,
  listSimulations,
  markSimulationsInterrupted,
  setSimulationProgress,
  setSimulationStatus,
  type CreateSimulationOptions,
  type SimulationRoundInput,
} from './simulations';
import {
  createTrialRun,
  deleteSweepRow,
  getSweep,
  insertSweep,
  listSweeps,
  markSweepsInterrupted,
  setSweepStatus,
  updateTrial,
  type StoredSweepDetail,
  type TrialChanges,
} from './sweeps';

/** Read-only access. Everything here is a query; nothing can change the file. */
export class ReadonlyStore {
  protected readonly db: ReadableDB;
  /** Absolute path of the database file. */
  readonly databasePath: string;
  /** Folder of the database; run artifacts live in `<dataDir>/runs/<id>/`. */
  readonly dataDir: string;

  constructor(db: ReadableDB, databasePath: string) {
    this.db = db;
    this.databasePath = path.resolve(databasePath);
    this.dataDir = path.dirname(this.databasePath);
  }

  /** Runs matching the query (text over name/tags/notes, statuses, tag, group), newest first. */
  listRuns(query: ListRunsQuery = {}): RunSummary[] {
    return listRuns(this.db, query);
  }

  /** One run in full; throws NotFoundError. */
  getRun(id: string): StoredRunDetail {
    return getRun(this.db, id);
  }

  /** A run's artifact records only (what getRun lists, without the rest of the run). */
  listArtifacts(id: string): ArtifactInfo[] {
    return artifactsOf(this.db, id);
  }

  /** Series of several runs, optionally only some names, downsampled to maxPoints per series. */
  getMetrics(query: MetricSeriesQuery): MetricSeries[] {
    return metricSeries(this.db, query);
  }

  /** Last and best value per series matching the GLOB patterns (default 'valid/*', 'test/*'). */
  getMetricSummaries(ids: readonly string[], patterns?: readonly string[]): MetricSummary[] {
    return metricSummaries(this.db, ids, patterns, patterns);
  }

  /** Distinct metric names of the runs. */
  listMetricNames(ids: readonly string[]): string[] {
    return metricNames(this.db, ids);
  }

  /** Configuration and newest checkpoint (absolute path) of a run, for a resume. */
  getResumeInfo(id: string): ResumeInfo {
    const point = resumePoint(this.db, id);
    return {
      runId: id,
      status: point.status,
      config: point.config,
      lastCheckpointStep: point.checkpoint?.step ?? null,
      lastCheckpointPath: point.checkpoint === null ? null : resolveArtifactPath(this.dataDir, point.checkpoint.path),
    };
  }

  exportRuns(ids: readonly string[]): RunsExport {
    return exportRuns(this.db, ids);
  }

  exportRunsJson(ids: readonly string[]): string {
    return JSON.stringify(this.exportRuns(ids));
  }

  /** CSV with columns run_id,run_name,metric,step,samples,wall_time,value. */
  exportMetricsCsv(ids: readonly string[]): string {
    return exportMetricsCsv(this.db, ids);
  }

  listSimulations(): SimulationSummary[] {
    return listSimulations(this.db);
  }

  getSimulation(id: string): SimulationDetail {
    return getSimulation(this.db, id);
  }

  listSweeps(): SweepSummary[] {
    return listSweeps(this.db);
  }

  /** One sweep with its trials joined with their runs (status, test metrics, best step). */
  getSweep(id: string): StoredSweepDetail {
    return getSweep(this.db, id);
  }

  /** `<dataDir>/runs/<id>` (not created). */
  runFolder(id: string): string {
    return runFolder(this.dataDir, id);
  }

  /** Absolute path of an artifact path as stored (relative to the data folder). */
  artifactAbsolutePath(storedPath: string): string {
    return resolveArtifactPath(this.dataDir, storedPath);
  }

  /** Runs `read` in one read transaction, so several queries see the same committed state. */
  snapshot<T>(read: () => T): T {
    return this.db.transaction(read)();
  }

  /** PRAGMA integrity_check: ['ok'] for a sound file, otherwise the problems found. */
  integrityCheck(): string[] {
    return this.db.prepare<[], string>('PRAGMA integrity_check').pluck().all();
  }

  schemaVersion(): number {
    return readUserVersion(this.db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export interface RecoveredWork {
  /** Runs found 'running' or 'queued' at open, now 'interrupted'. */
  runs: string[];
  simulations: string[];
  /** Sweeps found 'running' or 'queued' at open, now 'interrupted'. */
  sweeps?: string[];
}

/** The writer. One per database per app process (see README). */
export class WritableStore extends ReadonlyStore {
  protected declare readonly db: WritableDB;
  /** What the migration at open did. */
  readonly migration: MigrationResult;
  /** What markInterrupted found at open (empty when opened with recoverInterrupted: false). */
  recovered: RecoveredWork = { runs: [], simulations: [] };

  /** How this store's connection loaded SQLite; its readers load it the same way. */
  private readonly connection: ConnectionOptions;

  constructor(db: WritableDB, databasePath: string, migration: MigrationResult, connection: ConnectionOptions = {}) {
    super(db, databasePath);
    this.migration = migration;
    this.connection = connection;
  }

  /** A read-only connection to the same file (for UI polling). */
  openReader(): ReadonlyStore {
    return openReadonlyStore(this.databasePath, this.connection);
  }

  /**
   * Crash recovery: every run and simulation left 'running' or 'queued' by a process that is gone
   * becomes 'interrupted', keeping all it logged. Runs owned by another live process (pid stored
   * when the run was created or started) are left alone; runs owned by this process are taken as
   * dead, so open the writer once per process, at start (openStore does this call).
   */
  markInterrupted(isAlive: (pid: number) => boolean = isProcessAlive): RecoveredWork {
    return this.db.transaction((): RecoveredWork => ({
      runs: markRunsInterrupted(this.db, isAlive),
      simulations: markSimulationsInterrupted(this.db, isAlive),
      sweeps: markSweepsInterrupted(this.db, isAlive),
    }))();
  }

  // ----- runs -----

  /** New run in status 'queued' (name, config JSON, group, seed, model kind, preset, tags); returns its id. */
  createRun(config: StartRunInput, options?: CreateRunOptions): string {
    return insertRun(this.db, config, options);
  }

  /** queued -> running, with backend, backend detail and parameter count. */
  markRunStarted(id: string, info: StartedRunInfo): void {
    markRunStarted(this.db, id, info);
  }

  /** -> finished (progress 1) / failed / cancelled, with end time and error. */
  markRunEnded(id: string, status: EndStatus, error?: string | null): void {
    markRunEnded(this.db, id, status, error ?? null);
  }

  /** running (or queued) -> interrupted with a message saying how to go on. */
  markRunInterrupted(id: string, error: string): void {
    markRunInterrupted(this.db, id, error);
  }

  setRunProgress(id: string, progress: number): void {
    setRunProgress(this.db, id, progress);
  }

  setRunDataset(id: string, dataset: DatasetDescription): void {
    setRunDataset(this.db, id, dataset);
  }

  /** Where a finished run's kept model came from (early stopping), or null. */
  setRunBest(id: string, best: BestStepInfo | null): void {
    setRunBest(this.db, id, best);
  }

  // ----- sweeps -----

  /** A sweep in status 'queued' with its trials 'pending'; returns its id. */
  createSweep(spec: SweepSpec, trials: readonly Partial<Record<SweepSetting, SweepValue>>[], options?: { id?: string; name?: string }): string {
    return insertSweep(this.db, spec, trials, options);
  }

  setSweepStatus(id: string, status: RunStatus, error?: string | null): void {
    setSweepStatus(this.db, id, status, error ?? null);
  }

  /** Creates a trial's run and links it to the trial in one transaction (the existing run if linked already). */
  createTrialRun(sweepId: string, trial: number, config: StartRunInput, name: string): string {
    return createTrialRun(this.db, sweepId, trial, config, name);
  }

  updateTrial(sweepId: string, trial: number, changes: TrialChanges): void {
    updateTrial(this.db, sweepId, trial, changes);
  }

  deleteSweep(id: string): boolean {
    return deleteSweepRow(this.db, id);
  }

  /**
   * Appends one flush of metric points in one transaction (and the progress, if given, in the same
   * one). A point at an existing (name, step) replaces it.
   */
  appendMetrics(id: string, points: readonly MetricPoint[], progress?: number): number {
    return appendMetricPoints(this.db, id, points, progress);
  }

  /** Appends `values` as '<split>/<metric>' points, e.g. split 'test' for the final metrics. */
  appendMetricValues(id: string, split: 'train' | 'valid' | 'test', values: MetricValues, at: { step: number; samples: number; wallTime: number }): number {
    return appendMetricPoints(this.db, id, metricValuesToPoints(split, values, at));
  }

  renameRun(id: string, name: string): void {
    renameRun(this.db, id, name);
  }

  setRunNotes(id: string, notes: string): void {
    setRunNotes(this.db, id, notes);
  }

  /** rename / tags / notes in one transaction (the service's runs.update). */
  updateRun(id: string, changes: { name?: string; tags?: readonly string[]; notes?: string }): void {
    this.db.transaction(() => {
      if (changes.name !== undefined) renameRun(this.db, id, changes.name);
      if (changes.tags !== undefined) setRunTags(this.db, id, changes.tags);
      if (changes.notes !== undefined) setRunNotes(this.db, id, changes.notes);
      if (changes.name === undefined && changes.notes === undefined && changes.tags === undefined) getRun(this.db, id);
    })();
  }

  /** Creates and returns `<dataDir>/runs/<id>/`. */
  ensureRunFolder(id: string): string {
    const folder = this.runFolder(id);
    fs.mkdirSync(folder, { recursive: true });
    return folder;
  }

  /**
   * Records an artifact file (checkpoint, exported model, ...). `path` may be absolute inside the
   * data folder or relative to it; it is stored relative. Same path again updates the record.
   */
  addArtifact(id: string, artifact: ArtifactInput): void {
    upsertArtifact(this.db, id, { ...artifact, path: toStoredArtifactPath(this.dataDir, artifact.path) });
  }

  /** Forgets an artifact and deletes its file (e.g. an old checkpoint being rotated out). */
  removeArtifact(id: string, artifactPath: string): boolean {
    const stored = toStoredArtifactPath(this.dataDir, artifactPath);
    const removed = deleteArtifactRecord(this.db, id, stored);
    fs.rmSync(resolveArtifactPath(this.dataDir, stored), { recursive: true, force: true });
    return removed;
  }

  /**
   * Gets a stopped run (interrupted, failed or cancelled) ready to resume: status back to 'queued',
   * error and end time cleared, and metric points after the last checkpoint's step deleted (all of
   * them when there is no checkpoint), since the resumed training will log those steps again.
   * Then call markRunStarted as for a new run.
   */
  prepareResume(id: string): ResumeInfo & { droppedPoints: number } {
    return this.db.transaction(() => {
      const info = this.getResumeInfo(id);
      markRunQueuedForResume(this.db, id);
      const droppedPoints = deleteMetricPointsAfter(this.db, id, info.lastCheckpointStep);
      if (info.lastCheckpointStep === null) setRunProgress(this.db, id, 0);
      return { ...info, status: 'queued' as RunStatus, droppedPoints };
    })();
  }

  /**
   * Deletes runs (rows, tags, metrics, artifact records) in one transaction, then their folders
   * `<dataDir>/runs/<id>/`. Refuses (InvalidTransitionError) if any of them is running. Returns how
   * many runs existed and were deleted.
   */
  deleteRuns(ids: readonly string[]): number {
    const deleted = deleteRunRows(this.db, ids);
    for (const id of deleted) fs.rmSync(this.runFolder(id), { recursive: true, force: true });
    return deleted.length;
  }

  /** Imports an export document (text or parsed) in one transaction. See exchange.ts for id rules. */
  importRuns(document: string | unknown): ImportResult {
    return importRuns(this.db, this.dataDir, document);
  }

  // ----- simulations -----

  createSimulation(spec: SimulationSpec, options?: CreateSimulationOptions): string {
    return insertSimulation(this.db, spec, options);
  }

  setSimulationStatus(id: string, status: RunStatus, error?: string | null): void {
    setSimulationStatus(this.db, id, status, error ?? null);
  }

  setSimulationProgress(id: string, progress: number): void {
    setSimulationProgress(this.db, id, progress);
  }

  /** Appends round metrics (and progress) in one transaction. */
  appendSimulationRounds(id: string, rounds: readonly SimulationRoundInput[], progress?: number): void {
    appendSimulationRounds(this.db, id, rounds, progress);
  }

  deleteSimulation(id: string): boolean {
    return deleteSimulationRows(this.db, id);
  }

  override close(): void {
    if (this.db.open) {
      try {
        this.db.pragma('optimize');
      } finally {
        this.db.close();
      }
    }
  }
}

export interface OpenStoreOptions extends ConnectionOptions {
  /** Mark runs/simulations left running by a dead process as interrupted (default true). */
  recoverInterrupted?: boolean;
}

/**
 * Opens (creating the folder and file if needed) the database for writing: WAL, foreign keys, busy
 * timeout, migrations in one transaction (DatabaseTooNewError for a newer schema), then crash
 * recovery unless disabled.
 */
export function openStore(databasePath: string, options: OpenStoreOptions = {}): WritableStore {
  fs.mkdirSync(path.dirname(path.resolve(databasePath)), { recursive: true });
  const connection: ConnectionOptions = options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding };
  const db = openWritableDB(databasePath, SCHEMA_VERSION, connection);
  try {
    const store = new WritableStore(db, databasePath, migrate(db), connection);
    if (options.recoverInterrupted !== false) store.recovered = store.markInterrupted();
    return store;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Opens an existing, migrated database read-only. */
export function openReadonlyStore(databasePath: string, connection: ConnectionOptions = {}): ReadonlyStore {
  const db = openReadableDB(databasePath, connection);
  try {
    const version = readUserVersion(db);
    if (version > SCHEMA_VERSION) throw new DatabaseTooNewError(databasePath, version, SCHEMA_VERSION);
    if (version < SCHEMA_VERSION) throw new DatabaseNotMigratedError(databasePath, version, SCHEMA_VERSION);
    return new ReadonlyStore(db, databasePath);
  } catch (error) {
    db.close();
    throw error;
  }
}
