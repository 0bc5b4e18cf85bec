/**
 * Export and import of runs: a versioned JSON document (run rows, tags, metric points, artifact
 * list) and a CSV of the metric points of several runs.
 *
 * Import keeps a run's exported id when no run with that id exists here, and gives it a new id
 * otherwise. Artifact files are not inside the JSON: an artifact record is imported only when the
 * run kept its id and the file exists at its path in this data folder; the others are dropped and
 * counted. A run exported while 'running' or 'queued' is imported as 'interrupted'.
 */
import fs from 'node:fs';
import type { ArtifactInfo, BestStepInfo, DatasetDescription, ModelKind, RunStatus, StartRunInput } from '../domain';
import type { ReadableDB, WritableDB } from './db';
import { ImportFormatError } from './errors';
import { INSERT_METRIC_POINT_SQL, UPSERT_METRIC_SERIES_SQL } from './metrics';
import { checkId, newId, resolveArtifactPath, toStoredArtifactPath } from './paths';
import { artifactsOf, RUN_STATUSES, runRowsForExport, tagsOf } from './runs';

export const EXPORT_FORMAT = 'dlrm-studio-runs';
export const EXPORT_VERSION = 1;

/** [step, samples, wallTime, value] */
export type ExportedPoint = [number, number, number, number | null];

export interface ExportedRun {
  id: string;
  name: string;
  status: RunStatus;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  config: StartRunInput;
  group: string | null;
  seed: number;
  modelKind: ModelKind;
  preset: string | null;
  backend: string | null;
  backendDetail: string | null;
  paramCount: number | null;
  progress: number;
  dataset: DatasetDescription | null;
  notes: string;
  error: string | null;
  /** Where the kept model came from (early stopping); absent in exports made before it existed. */
  bestAt?: BestStepInfo | null;
  tags: string[];
  metrics: { name: string; points: ExportedPoint[] }[];
  artifacts: ArtifactInfo[];
}

export interface RunsExport {
  format: typeof EXPORT_FORMAT;
  version: number;
  exportedAt: string;
  runs: ExportedRun[];
}

export interface ImportResult {
  /** Id of each imported run here, in the order of the document. */
  ids: string[];
  /** Runs whose exported id was taken here and that got a new id. */
  renamed: { from: string; to: string }[];
  /** Artifact records not imported (file missing here, or the run got a new id). */
  droppedArtifacts: number;
}

/** Runs in the order of `ids` (unknown ids are skipped), read in one snapshot. */
export function exportRuns(db: ReadableDB, ids: readonly string[]): RunsExport {
  const selectSeries = db.prepare<[string], { id: number; name: string }>(
    'SELECT id, name FROM metric_series WHERE run_id = ? ORDER BY name',
  );
  const selectPoints = db
    .prepare<[number], ExportedPoint>('SELECT step, samples, wall_time, value FROM metric_points WHERE series_id = ? ORDER BY step')
    .raw();
  const read = db.transaction((): RunsExport => {
    const rows = runRowsForExport(db, ids);
    const tags = tagsOf(db, rows.map((row) => row.id));
    const runs = rows.map((row): ExportedRun => ({
      id: row.id,
      name: row.name,
      status: row.status,
      createdAt: row.created_at,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      config: JSON.parse(row.config_json) as StartRunInput,
      group: row.group_id,
      seed: row.seed,
      modelKind: row.model_kind as ModelKind,
      preset: row.preset,
      backend: row.backend,
      backendDetail: row.backend_detail,
      paramCount: row.param_count,
      progress: row.progress,
      dataset: row.dataset_json === null ? null : (JSON.parse(row.dataset_json) as DatasetDescription),
      notes: row.notes,
      error: row.error,
      bestAt: row.best_json === null ? null : (JSON.parse(row.best_json) as BestStepInfo),
      tags: tags.get(row.id) ?? [],
      metrics: selectSeries.all(row.id).map((series) => ({ name: series.name, points: selectPoints.all(series.id) })),
      artifacts: artifactsOf(db, row.id),
    }));
    return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: new Date().toISOString(), runs };
  });
  return read();
}

// ---------- validation of an import document (it comes from outside) ----------

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field<T>(object: Record<string, Json>, key: string, path: string, check: (value: Json) => value is T, expected: string): T {
  const value = object[key];
  if (!check(value)) throw new ImportFormatError(`expected ${expected}, got ${JSON.stringify(value)?.slice(0, 80) ?? 'nothing'}`, `${path}.${key}`);
  return value;
}

const isString = (value: Json): value is string => typeof value === 'string';
const isStringOrNull = (value: Json): value is string | null => value === null || typeof value === 'string';
const isNumber = (value: Json): value is number => typeof value === 'number' && Number.isFinite(value);
const isInteger = (value: Json): value is number => Number.isSafeInteger(value);
const isIntegerOrNull = (value: Json): value is number | null => value === null || Number.isSafeInteger(value);
const isObjectOrNull = (value: Json): value is Record<string, Json> | null => value === null || isObject(value);
const isStatus = (value: Json): value is RunStatus => RUN_STATUSES.includes(value as RunStatus);
const isArray = (value: Json): value is Json[] => Array.isArray(value);
const isPoint = (value: Json): value is ExportedPoint =>
  Array.isArray(value) && value.length === 4 && isInteger(value[0]) && isInteger(value[1]) && isNumber(value[2]) &&
  (value[3] === null || isNumber(value[3]));
const ARTIFACT_KINDS = ['checkpoint', 'model', 'export', 'other'];
const MODEL_KINDS: readonly ModelKind[] = ['dlrm', 'dcn', 'fm', 'lr', 'mf'];
const isModelKind = (value: Json): value is ModelKind => MODEL_KINDS.includes(value as ModelKind);
const isArtifactKind = (value: Json): value is ArtifactInfo['kind'] => ARTIFACT_KINDS.includes(value as string);
const isBestStepInfo = (value: Json): value is BestStepInfo =>
  isObject(value) && (value['metric'] === 'logLoss' || value['metric'] === 'auc') && isNumber(value['value']) && isInteger(value['step']) &&
  isInteger(value['trainedSteps']) && isInteger(value['totalSteps']) && typeof value['stoppedEarly'] === 'boolean';

function parseRun(value: Json, path: string): ExportedRun {
  if (!isObject(value)) throw new ImportFormatError('expected an object', path);
  const config = field(value, 'config', path, isObject, 'an object');
  const train = field(config, 'train', `${path}.config`, isObject, 'an object');
  field(train, 'seed', `${path}.config.train`, isInteger, 'an integer');
  const model = field(config, 'model', `${path}.config`, isObject, 'an object');
  field(model, 'kind', `${path}.config.model`, isString, 'a string');
  const metrics = field(value, 'metrics', path, isArray, 'an array').map((series, index) => {
    const where = `${path}.metrics[${index}]`;
    if (!isObject(series)) throw new ImportFormatError('expected an object', where);
    const points = field(series, 'points', where, isArray, 'an array');
    points.forEach((point, pointIndex) => {
      if (!isPoint(point)) throw new ImportFormatError('expected [step, samples, wallTime, value|null]', `${where}.points[${pointIndex}]`);
    });
    return { name: field(series, 'name', where, isString, 'a string'), points: points as ExportedPoint[] };
  });
  const artifacts = field(value, 'artifacts', path, isArray, 'an array').map((artifact, index): ArtifactInfo => {
    const where = `${path}.artifacts[${index}]`;
    if (!isObject(artifact)) throw new ImportFormatError('expected an object', where);
    return {
      kind: field(artifact, 'kind', where, isArtifactKind, ARTIFACT_KINDS.join(' | ')),
      path: field(artifact, 'path', where, isString, 'a string'),
      bytes: field(artifact, 'bytes', where, isInteger, 'an integer'),
      createdAt: field(artifact, 'createdAt', where, isString, 'a string'),
      step: field(artifact, 'step', where, isIntegerOrNull, 'an integer or null'),
    };
  });
  const tags = field(value, 'tags', path, isArray, 'an array');
  tags.forEach((tag, index) => {
    if (!isString(tag)) throw new ImportFormatError('expected a string', `${path}.tags[${index}]`);
  });
  const id = field(value, 'id', path, isString, 'a string');
  try {
    checkId(id);
  } catch {
    throw new ImportFormatError('not a valid run id', `${path}.id`);
  }
  return {
    id,
    name: field(value, 'name', path, isString, 'a string'),
    status: field(value, 'status', path, isStatus, RUN_STATUSES.join(' | ')),
    createdAt: field(value, 'createdAt', path, isString, 'a string'),
    startedAt: field(value, 'startedAt', path, isStringOrNull, 'a string or null'),
    endedAt: field(value, 'endedAt', path, isStringOrNull, 'a string or null'),
    config: config as unknown as StartRunInput,
    group: field(value, 'group', path, isStringOrNull, 'a string or null'),
    seed: field(value, 'seed', path, isInteger, 'an integer'),
    modelKind: field(value, 'modelKind', path, isModelKind, MODEL_KINDS.join(' | ')),
    preset: field(value, 'preset', path, isStringOrNull, 'a string or null'),
    backend: field(value, 'backend', path, isStringOrNull, 'a string or null'),
    backendDetail: field(value, 'backendDetail', path, isStringOrNull, 'a string or null'),
    paramCount: field(value, 'paramCount', path, isIntegerOrNull, 'an integer or null'),
    progress: field(value, 'progress', path, isNumber, 'a number'),
    dataset: field(value, 'dataset', path, isObjectOrNull, 'an object or null') as DatasetDescription | null,
    notes: field(value, 'notes', path, isString, 'a string'),
    error: field(value, 'error', path, isStringOrNull, 'a string or null'),
    bestAt: value['bestAt'] === undefined || value['bestAt'] === null ? null : field(value, 'bestAt', path, isBestStepInfo, 'a best-step record or null'),
    tags: tags as string[],
    metrics,
    artifacts,
  };
}

/** Checks an export document (as text or parsed) and returns it typed, or throws ImportFormatError. */
export function parseRunsExport(document: string | Json): RunsExport {
  let value: Json = document;
  if (typeof document === 'string') {
    try {
      value = JSON.parse(document);
    } catch (error) {
      throw new ImportFormatError(`not JSON (${(error as Error).message})`, '$');
    }
  }
  if (!isObject(value)) throw new ImportFormatError('expected an object', '$');
  if (value.format !== EXPORT_FORMAT) throw new ImportFormatError(`expected "${EXPORT_FORMAT}"`, '$.format');
  const version = field(value, 'version', '$', isInteger, 'an integer');
  if (version > EXPORT_VERSION) {
    throw new ImportFormatError(`made by a newer DLRM Studio (format version ${version}, this one reads up to ${EXPORT_VERSION})`, '$.version');
  }
  const runs = field(value, 'runs', '$', isArray, 'an array').map((run, index) => parseRun(run, `$.runs[${index}]`));
  return { format: EXPORT_FORMAT, version, exportedAt: typeof value.exportedAt === 'string' ? value.exportedAt : '', runs };
}

/** Imports every run of the document in one transaction (all or nothing). */
export function importRuns(db: WritableDB, dataDir: string, document: string | Json): ImportResult {
  const parsed = parseRunsExport(document);
  const idTaken = db.prepare<[string], number>('SELECT 1 FROM runs WHERE id = ?').pluck();
  const insertRun = db.prepare(
    `INSERT INTO runs (id, name, status, created_at, started_at, ended_at, config_json, group_id, seed, model_kind,
       preset, backend, backend_detail, param_count, progress, dataset_json, notes, error, best_json)
     VALUES (@id, @name, @status, @createdAt, @startedAt, @endedAt, @config, @group, @seed, @modelKind,
       @preset, @backend, @backendDetail, @paramCount, @progress, @dataset, @notes, @error, @best)`,
  );
  const insertTag = db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
  const upsertSeries = db.prepare<[string, string], number>(UPSERT_METRIC_SERIES_SQL).pluck();
  const insertPoint = db.prepare(INSERT_METRIC_POINT_SQL);
  const insertArtifact = db.prepare(
    'INSERT INTO artifacts (run_id, kind, path, bytes, step, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const run = db.transaction((): ImportResult => {
    const result: ImportResult = { ids: [], renamed: [], droppedArtifacts: 0 };
    for (const exported of parsed.runs) {
      const keepId = idTaken.get(exported.id) === undefined && !result.ids.includes(exported.id);
      const id = keepId ? exported.id : newId();
      if (!keepId) result.renamed.push({ from: exported.id, to: id });
      const active = exported.status === 'running' || exported.status === 'queued';
      insertRun.run({
        id,
        name: exported.name,
        status: active ? 'interrupted' : exported.status,
        createdAt: exported.createdAt,
        startedAt: exported.startedAt,
        endedAt: exported.endedAt,
        config: JSON.stringify(exported.config),
        group: exported.group,
        seed: exported.seed,
        modelKind: exported.modelKind,
        preset: exported.preset,
        backend: exported.backend,
        backendDetail: exported.backendDetail,
        paramCount: exported.paramCount,
        progress: Math.min(1, Math.max(0, exported.progress)),
        dataset: exported.dataset === null ? null : JSON.stringify(exported.dataset),
        notes: exported.notes,
        error: exported.error,
        best: exported.bestAt ? JSON.stringify(exported.bestAt) : null,
      });
      for (const tag of exported.tags) insertTag.run(id, tag);
      for (const series of exported.metrics) {
        const seriesId = upsertSeries.get(id, series.name)!;
        for (const [step, samples, wallTime, value] of series.points) insertPoint.run(seriesId, step, samples, wallTime, value);
      }
      for (const artifact of exported.artifacts) {
        let stored: string | null = null;
        try {
          stored = toStoredArtifactPath(dataDir, artifact.path);
        } catch {
          stored = null;
        }
        if (!keepId || stored === null || !fs.existsSync(resolveArtifactPath(dataDir, stored))) {
          result.droppedArtifacts += 1;
          continue;
        }
        insertArtifact.run(id, artifact.kind, stored, artifact.bytes, artifact.step, artifact.createdAt);
      }
      result.ids.push(id);
    }
    return result;
  });
  return run();
}

// ---------- CSV ----------

export const CSV_COLUMNS = ['run_id', 'run_name', 'metric', 'step', 'samples', 'wall_time', 'value'] as const;

/** RFC 4180 quoting: a field with a comma, quote, CR or LF is wrapped in quotes, quotes doubled. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? String(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Every metric point of the runs, one line each (header first, '\n' line ends), ordered by the
 * order of `ids`, then metric name, then step. A null value is an empty field.
 */
export function exportMetricsCsv(db: ReadableDB, ids: readonly string[]): string {
  const rows = db
    .prepare<[string], [string, string, string, number, number, number, number | null]>(
      `SELECT r.id, r.name, ms.name, p.step, p.samples, p.wall_time, p.value
       FROM json_each(?) AS wanted
       JOIN runs r ON r.id = wanted.value
       JOIN metric_series ms ON ms.run_id = r.id
       JOIN metric_points p ON p.series_id = ms.id
       ORDER BY wanted.key, ms.name, p.step`,
    )
    .raw()
    .iterate(JSON.stringify(ids));
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
