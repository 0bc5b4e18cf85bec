/**
 * Over 400 lines: every query on runs, tags and artifacts, each SQL statement beside its row mapping.
 * Queries on runs, their tags and artifacts. Functions that read take a ReadableDB; those that write
 * take a WritableDB, so a write through a read-only connection does not compile.
 */
import type {
  ArtifactInfo,
  BackendName,
  BestStepInfo,
  DatasetDescription,
  ModelKind,
  RunDetail,
  RunQuery,
  RunStatus,
  RunSummary,
  StartRunInput,
} from '../domain';
import type { ReadableDB, WritableDB } from './db';
import { InvalidInputError, InvalidTransitionError, NotFoundError } from './errors';
import { runMetricValues } from './metrics';
import { checkId, newId } from './paths';
import { containsPattern, nowIso, sqlIdentifier } from './sql';

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted'];

/**
 * Allowed status changes. A run that stopped early (interrupted, failed, cancelled) may go back to
 * 'queued' to be resumed from its last checkpoint; a finished run is final.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'failed', 'cancelled', 'interrupted'],
  running: ['finished', 'failed', 'cancelled', 'interrupted'],
  interrupted: ['queued', 'cancelled'],
  failed: ['queued'],
  cancelled: ['queued'],
  finished: [],
};

function allowedFrom(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => RUN_TRANSITIONS[from].includes(to));
}

export interface CreateRunOptions {
  /** Display name; default config.name, else '<preset or model kind> <yyyy-mm-dd hh:mm:ss>'. */
  name?: string;
  /** Id to use (letters, digits, '_' and '-'); default a new UUID. */
  id?: string;
  /** Default now. */
  createdAt?: string;
}

export interface StartedRunInfo {
  backend: BackendName | string;
  /** Free text, e.g. the GPU name or the wasm SIMD/threads flags. */
  backendDetail?: string | null;
  paramCount?: number | null;
}

export type EndStatus = 'finished' | 'failed' | 'cancelled';

export interface ArtifactInput {
  kind: ArtifactInfo['kind'];
  /** Relative to the data folder (or absolute inside it), e.g. 'runs/<id>/checkpoint-00100'. */
  path: string;
  bytes: number;
  step?: number | null;
  createdAt?: string;
}

/** What the service needs to resume a run. */
export interface ResumeInfo {
  runId: string;
  status: RunStatus;
  config: StartRunInput;
  /** Step of the newest checkpoint artifact, or null (then the run restarts from step 0). */
  lastCheckpointStep: number | null;
  /** Absolute path of that checkpoint, or null. */
  lastCheckpointPath: string | null;
}

/** RunDetail plus the backend's free-text detail (extra fields are harmless on the wire). */
export type StoredRunDetail = RunDetail & { backendDetail: string | null };

export interface ListRunsQuery extends RunQuery {
  /** Only runs of this compare-models group. */
  group?: string;
  /** Sort key (whitelisted); default 'createdAt'. */
  orderBy?: RunSortKey;
  /** Default 'desc' (newest first). */
  direction?: 'asc' | 'desc';
  /** Rows to skip (paging), default 0. */
  offset?: number;
}

const RUN_SORT_COLUMNS = {
  createdAt: 'r.created_at',
  startedAt: 'r.started_at',
  endedAt: 'r.ended_at',
  name: 'r.name COLLATE NOCASE',
  status: 'r.status',
  modelKind: 'r.model_kind',
  progress: 'r.progress',
} as const;
export type RunSortKey = keyof typeof RUN_SORT_COLUMNS;
const SORT_DIRECTIONS = { asc: 'ASC', desc: 'DESC' } as const;

interface RunRow {
  id: string;
  name: string;
  status: RunStatus;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  config_json: string;
  group_id: string | null;
  seed: number;
  model_kind: string;
  preset: string | null;
  backend: string | null;
  backend_detail: string | null;
  param_count: number | null;
  progress: number;
  dataset_json: string | null;
  notes: string;
  error: string | null;
  best_json: string | null;
}

const RUN_COLUMNS = `r.id, r.name, r.status, r.created_at, r.started_at, r.ended_at, r.config_json, r.group_id,
  r.seed, r.model_kind, r.preset, r.backend, r.backend_detail, r.param_count, r.progress, r.dataset_json,
  r.notes, r.error, r.best_json`;

function checkTags(tags: readonly string[]): string[] {
  const clean = [...new Set(tags.map((tag) => tag.trim()))];
  for (const tag of clean) {
    if (tag.length === 0 || tag.length > 64) throw new InvalidInputError(`Tags must be 1-64 characters, got "${tag}".`, 'tags');
  }
  return clean.sort();
}

function checkName(name: string): string {
  const clean = name.trim();
  if (clean.length === 0 || clean.length > 200) throw new InvalidInputError('A run name must be 1-200 characters.', 'name');
  return clean;
}

function defaultRunName(config: StartRunInput, createdAt: string): string {
  return `${config.model.preset ?? config.model.kind} ${createdAt.slice(0, 19).replace('T', ' ')}`;
}

/** Creates a run in status 'queued' with its full configuration and tags; returns its id. */
export function insertRun(db: WritableDB, config: StartRunInput, options: CreateRunOptions = {}): string {
  const id = checkId(options.id ?? newId());
  const createdAt = options.createdAt ?? nowIso();
  const name = checkName(options.name ?? config.name ?? defaultRunName(config, createdAt));
  const tags = checkTags(config.tags ?? []);
  if (!Number.isSafeInteger(config.train.seed)) throw new InvalidInputError('train.seed must be an integer.', 'train.seed');
  const insert = db.prepare(
    `INSERT INTO runs (id, name, status, created_at, config_json, group_id, seed, model_kind, preset, owner_pid)
     VALUES (@id, @name, 'queued', @createdAt, @config, @group, @seed, @modelKind, @preset, @pid)`,
  );
  const create = db.transaction(() => {
    insert.run({
      id,
      name,
      createdAt,
      config: JSON.stringify(config),
      group: config.group ?? null,
      seed: config.train.seed,
      modelKind: config.model.kind,
      preset: config.model.preset ?? null,
      pid: process.pid,
    });
    replaceTags(db, id, tags);
  });
  create();
  return id;
}

function statusOf(db: ReadableDB, id: string): RunStatus | undefined {
  return db.prepare<[string], RunStatus>('SELECT status FROM runs WHERE id = ?').pluck().get(id);
}

/**
 * Runs `UPDATE runs SET <assignments> WHERE id = @id AND status allows moving to `to``, and turns
 * "no row changed" into NotFoundError or InvalidTransitionError.
 */
function transition(db: WritableDB, id: string, to: RunStatus, assignments: string, params: Record<string, unknown>): void {
  const changes = db
    .prepare(`UPDATE runs SET status = @to, ${assignments} WHERE id = @id AND status IN (SELECT value FROM json_each(@from))`)
    .run({ ...params, id, to, from: JSON.stringify(allowedFrom(to)) }).changes;
  if (changes === 1) return;
  const current = statusOf(db, id);
  if (current === undefined) throw new NotFoundError('run', id);
  throw new InvalidTransitionError('run', id, current, to);
}

/** queued -> running: records start time (kept from the first start on a resume), backend and size. */
export function markRunStarted(db: WritableDB, id: string, info: StartedRunInfo, startedAt: string = nowIso()): void {
  transition(
    db,
    id,
    'running',
    `started_at = COALESCE(started_at, @startedAt), ended_at = NULL, error = NULL,
     backend = @backend, backend_detail = @backendDetail, param_count = @paramCount, owner_pid = @pid`,
    { startedAt, backend: info.backend, backendDetail: info.backendDetail ?? null, paramCount: info.paramCount ?? null, pid: process.pid },
  );
}

/** running (or queued) -> finished / failed / cancelled, with end time and error message. */
export function markRunEnded(db: WritableDB, id: string, status: EndStatus, error: string | null = null, endedAt: string = nowIso()): void {
  const progress = status === 'finished' ? ', progress = 1' : '';
  transition(db, id, status, `ended_at = @endedAt, error = @error${progress}`, { endedAt, error });
}

/** running (or queued) -> interrupted, for one run, with end time and a message saying how to go on (e.g. a followed job no longer followed). */
export function markRunInterrupted(db: WritableDB, id: string, error: string, endedAt: string = nowIso()): void {
  transition(db, id, 'interrupted', 'ended_at = @endedAt, error = @error', { endedAt, error });
}

/**
 * Every run left 'running' or 'queued' by a process that is gone becomes 'interrupted'; returns
 * their ids. A run whose owner process is another live process is left alone (e.g. the CLI opened
 * the database while the app trains); one owned by this very process counts as dead, since a
 * process opens its writer once, at start.
 */
export function markRunsInterrupted(db: WritableDB, isAlive: (pid: number) => boolean): string[] {
  const mark = db.transaction((): string[] => {
    const candidates = db
      .prepare<[], { id: string; owner_pid: number | null }>(`SELECT id, owner_pid FROM runs WHERE status IN ('running', 'queued')`)
      .all();
    const dead = candidates
      .filter((run) => run.owner_pid === null || run.owner_pid === process.pid || !isAlive(run.owner_pid))
      .map((run) => run.id);
    const update = db.prepare(
      `UPDATE runs SET status = 'interrupted',
         error = 'The app stopped while this run was ' || status || '; it can be resumed from its last checkpoint.'
       WHERE id = ? AND status IN ('running', 'queued')`,
    );
    for (const id of dead) update.run(id);
    return dead;
  });
  return mark();
}

export function setRunProgress(db: WritableDB, id: string, progress: number): void {
  if (!(progress >= 0 && progress <= 1)) throw new InvalidInputError(`progress must be in 0..1, got ${progress}.`, 'progress');
  requireChange(db.prepare('UPDATE runs SET progress = ? WHERE id = ?').run(progress, id).changes, id);
}

export function setRunDataset(db: WritableDB, id: string, dataset: DatasetDescription): void {
  requireChange(db.prepare('UPDATE runs SET dataset_json = ? WHERE id = ?').run(JSON.stringify(dataset), id).changes, id);
}

export function renameRun(db: WritableDB, id: string, name: string): void {
  requireChange(db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(checkName(name), id).changes, id);
}

export function setRunNotes(db: WritableDB, id: string, notes: string): void {
  if (notes.length > 100_000) throw new InvalidInputError('Notes are limited to 100,000 characters.', 'notes');
  requireChange(db.prepare('UPDATE runs SET notes = ? WHERE id = ?').run(notes, id).changes, id);
}

/** Replaces the run's tag set (trimmed, de-duplicated). */
export function setRunTags(db: WritableDB, id: string, tags: readonly string[]): void {
  const clean = checkTags(tags);
  const replace = db.transaction(() => {
    if (statusOf(db, id) === undefined) throw new NotFoundError('run', id);
    replaceTags(db, id, clean);
  });
  replace();
}

function replaceTags(db: WritableDB, id: string, tags: readonly string[]): void {
  db.prepare('DELETE FROM run_tags WHERE run_id = ?').run(id);
  const insert = db.prepare('INSERT INTO run_tags (run_id, tag) VALUES (?, ?)');
  for (const tag of tags) insert.run(id, tag);
}

function requireChange(changes: number, id: string): void {
  if (changes === 0) throw new NotFoundError('run', id);
}

/** Records (or updates, same path) an artifact of a run. `path` must already be in stored form. */
export function upsertArtifact(db: WritableDB, runId: string, artifact: ArtifactInput): void {
  if (!Number.isSafeInteger(artifact.bytes) || artifact.bytes < 0) throw new InvalidInputError('bytes must be an integer >= 0.', 'bytes');
  const step = artifact.step ?? null;
  if (step !== null && (!Number.isSafeInteger(step) || step < 0)) throw new InvalidInputError('step must be an integer >= 0.', 'step');
  const add = db.transaction(() => {
    if (statusOf(db, runId) === undefined) throw new NotFoundError('run', runId);
    db.prepare(
      `INSERT INTO artifacts (run_id, kind, path, bytes, step, created_at) VALUES (@runId, @kind, @path, @bytes, @step, @createdAt)
       ON CONFLICT (run_id, path) DO UPDATE
         SET kind = excluded.kind, bytes = excluded.bytes, step = excluded.step, created_at = excluded.created_at`,
    ).run({ runId, kind: artifact.kind, path: artifact.path, bytes: artifact.bytes, step, createdAt: artifact.createdAt ?? nowIso() });
  });
  add();
}

/** Forgets an artifact record (the caller removes the file); returns whether one was removed. */
export function deleteArtifactRecord(db: WritableDB, runId: string, storedPath: string): boolean {
  return db.prepare('DELETE FROM artifacts WHERE run_id = ? AND path = ?').run(runId, storedPath).changes === 1;
}

/** Deletes run rows (tags, metrics and artifact records cascade); returns the ids that existed. */
export function deleteRunRows(db: WritableDB, ids: readonly string[]): string[] {
  const remove = db.transaction((): string[] => {
    const running = db
      .prepare<[string], string>(`SELECT id FROM runs WHERE id IN (SELECT value FROM json_each(?)) AND status = 'running'`)
      .pluck()
      .all(JSON.stringify(ids));
    if (running.length > 0) throw new InvalidTransitionError('run', running[0]!, 'running', 'deleted (cancel it first)');
    return db
      .prepare<[string], string>('DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?)) RETURNING id')
      .pluck()
      .all(JSON.stringify(ids));
  });
  return remove();
}

function tagsOf(db: ReadableDB, ids: readonly string[]): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  const rows = db
    .prepare<[string], { run_id: string; tag: string }>(
      'SELECT run_id, tag FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, tag',
    )
    .all(JSON.stringify(ids));
  for (const row of rows) {
    const list = tags.get(row.run_id);
    if (list === undefined) tags.set(row.run_id, [row.tag]);
    else list.push(row.tag);
  }
  return tags;
}

function toSummaries(db: ReadableDB, rows: readonly RunRow[]): RunSummary[] {
  const ids = rows.map((row) => row.id);
  const tags = tagsOf(db, ids);
  const metrics = runMetricValues(db, ids);
  return rows.map((row) => {
    const values = metrics.get(row.id) ?? { last: {}, best: {}, test: {} };
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      createdAt: row.created_at,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      tags: tags.get(row.id) ?? [],
      notes: row.notes,
      group: row.group_id,
      modelKind: row.model_kind as ModelKind,
      preset: row.preset,
      backend: row.backend,
      seed: row.seed,
      progress: row.progress,
      last: values.last,
      best: values.best,
      test: values.test,
      bestAt: row.best_json === null ? null : (JSON.parse(row.best_json) as BestStepInfo),
    };
  });
}

/** Records where a finished run's kept model came from (early stopping). */
export function setRunBest(db: WritableDB, id: string, best: BestStepInfo | null): void {
  requireChange(db.prepare('UPDATE runs SET best_json = ? WHERE id = ?').run(best === null ? null : JSON.stringify(best), id).changes, id);
}

/**
 * Runs matching the query, newest first by default, as RunSummary (with tags and last/best/test
 * metric values), read in one snapshot. No limit unless `limit` is given.
 */
export function listRuns(db: ReadableDB, query: ListRunsQuery = {}): RunSummary[] {
  const orderBy = sqlIdentifier(query.orderBy ?? 'createdAt', RUN_SORT_COLUMNS, 'orderBy');
  const direction = sqlIdentifier(query.direction ?? 'desc', SORT_DIRECTIONS, 'direction');
  const limit = query.limit ?? -1;
  const offset = query.offset ?? 0;
  if (!Number.isSafeInteger(limit) || limit < -1) throw new InvalidInputError('limit must be a positive integer.', 'limit');
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidInputError('offset must be an integer >= 0.', 'offset');
  for (const status of query.status ?? []) {
    if (!RUN_STATUSES.includes(status)) throw new InvalidInputError(`Unknown status "${status}".`, 'status');
  }
  const text = query.text?.trim();
  const statement = db.prepare<
    { text: string | null; statuses: string | null; tag: string | null; group: string | null; limit: number; offset: number },
    RunRow
  >(
    `SELECT ${RUN_COLUMNS} FROM runs r
     WHERE (@text IS NULL
            OR r.name LIKE @text ESCAPE '\\'
            OR r.notes LIKE @text ESCAPE '\\'
            OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag LIKE @text ESCAPE '\\'))
       AND (@statuses IS NULL OR r.status IN (SELECT value FROM json_each(@statuses)))
       AND (@tag IS NULL OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = @tag))
       AND (@group IS NULL OR r.group_id = @group)
     ORDER BY ${orderBy} ${direction}, r.rowid ${direction}
     LIMIT @limit OFFSET @offset`,
  );
  const read = db.transaction((): RunSummary[] => {
    const rows = statement.all({
      text: text ? containsPattern(text) : null,
      statuses: query.status && query.status.length > 0 ? JSON.stringify(query.status) : null,
      tag: query.tag ?? null,
      group: query.group ?? null,
      limit,
      offset,
    });
    return toSummaries(db, rows);
  });
  return read();
}

function artifactsOf(db: ReadableDB, runId: string): ArtifactInfo[] {
  return db
    .prepare<[string], ArtifactInfo>(
      `SELECT kind, path, bytes, created_at AS createdAt, step FROM artifacts WHERE run_id = ? ORDER BY created_at, id`,
    )
    .all(runId);
}

interface CheckpointRow { step: number; path: string }

function lastCheckpoint(db: ReadableDB, runId: string): CheckpointRow | undefined {
  return db
    .prepare<[string], CheckpointRow>(
      `SELECT step, path FROM artifacts WHERE run_id = ? AND kind = 'checkpoint' AND step IS NOT NULL
       ORDER BY step DESC, id DESC LIMIT 1`,
    )
    .get(runId);
}

function runRow(db: ReadableDB, id: string): RunRow {
  const row = db.prepare<[string], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`).get(id);
  if (row === undefined) throw new NotFoundError('run', id);
  return row;
}

/** One run with configuration, dataset, artifacts and checkpoint, read in one snapshot. */
export function getRun(db: ReadableDB, id: string): StoredRunDetail {
  const read = db.transaction((): StoredRunDetail => {
    const row = runRow(db, id);
    const summary = toSummaries(db, [row])[0]!;
    return {
      ...summary,
      config: JSON.parse(row.config_json) as StartRunInput,
      dataset: row.dataset_json === null ? null : (JSON.parse(row.dataset_json) as DatasetDescription),
      error: row.error,
      artifacts: artifactsOf(db, id),
      paramCount: row.param_count,
      lastCheckpointStep: lastCheckpoint(db, id)?.step ?? null,
      backendDetail: row.backend_detail,
    };
  });
  return read();
}

/** Configuration and newest checkpoint (stored, data-folder-relative path) of a run. */
export function resumePoint(db: ReadableDB, id: string): { status: RunStatus; config: StartRunInput; checkpoint: CheckpointRow | null } {
  const read = db.transaction(() => {
    const row = runRow(db, id);
    return { status: row.status, config: JSON.parse(row.config_json) as StartRunInput, checkpoint: lastCheckpoint(db, id) ?? null };
  });
  return read();
}

/** Moves a stopped run back to 'queued' for a resume (clears end time and error). */
export function markRunQueuedForResume(db: WritableDB, id: string): void {
  transition(db, id, 'queued', 'ended_at = NULL, error = NULL', {});
}

/** Raw rows for the exporter. */
export function runRowsForExport(db: ReadableDB, ids: readonly string[]): RunRow[] {
  return db
    .prepare<[string], RunRow>(
      `SELECT ${RUN_COLUMNS} FROM json_each(?) AS wanted JOIN runs r ON r.id = wanted.value ORDER BY wanted.key`,
    )
    .all(JSON.stringify(ids));
}

export type { RunRow };
export { artifactsOf, tagsOf };
