/**
 * Metric series of runs: cheap batched appends, last/best values computed in SQL, and series reads
 * downsampled in SQL to at most `maxPoints` points (a uniform stride that keeps the first and the last).
 *
 * Naming: a series is '<split>/<metric>', e.g. 'train/loss', 'valid/auc', 'test/logloss',
 * 'train/samples_per_sec'. METRIC_SUFFIX says which metric name fills which MetricValues field.
 */
import type { MetricSeries, MetricValues } from '../domain';
import type { ReadableDB, WritableDB } from './db';
import { InvalidInputError, NotFoundError } from './errors';
import { finiteOrNull } from './sql';

/** One point of a metric series. */
export interface MetricPoint {
  /** e.g. 'train/loss', 'valid/auc'. */
  name: string;
  /** Optimizer step (integer >= 0). One value per (run, name, step): a later write replaces it. */
  step: number;
  /** Training samples seen at this point (integer >= 0). */
  samples: number;
  /** Seconds since the run started. */
  wallTime: number;
  /** Non-finite values are stored as null. */
  value: number | null;
}

/** Metric name (the part after '<split>/') for each MetricValues field. */
export const METRIC_SUFFIX: Readonly<Record<keyof MetricValues, string>> = {
  logLoss: 'logloss',
  auc: 'auc',
  accuracy: 'accuracy',
  normalizedEntropy: 'ne',
  meanPrediction: 'mean_prediction',
  observedCtr: 'observed_ctr',
  samplesPerSec: 'samples_per_sec',
};

/** 'valid/loss' is accepted as another name of 'valid/logloss'. */
const SUFFIX_ALIASES: Readonly<Record<string, keyof MetricValues>> = { loss: 'logLoss' };

/**
 * Which way is better, by metric name: +1 higher (auc, accuracy, samples_per_sec), -1 lower (loss,
 * logloss, ne), 0 no "best" (mean_prediction, observed_ctr, anything else). The SQL below spells out
 * the same table.
 */
export function metricDirection(name: string): 1 | -1 | 0 {
  const suffix = name.slice(name.indexOf('/') + 1);
  if (suffix === 'auc' || suffix === 'accuracy' || suffix === 'samples_per_sec') return 1;
  if (suffix === 'loss' || suffix === 'logloss' || suffix === 'ne') return -1;
  return 0;
}

const DIRECTION_SQL = `
  CASE substr(ms.name, instr(ms.name, '/') + 1)
    WHEN 'auc' THEN 1 WHEN 'accuracy' THEN 1 WHEN 'samples_per_sec' THEN 1
    WHEN 'loss' THEN -1 WHEN 'logloss' THEN -1 WHEN 'ne' THEN -1
    ELSE 0
  END`;

/** Turns a MetricValues object into points named '<split>/<suffix>' (null fields are skipped). */
export function metricValuesToPoints(
  split: string,
  values: MetricValues,
  at: { step: number; samples: number; wallTime: number },
): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const key of Object.keys(METRIC_SUFFIX) as (keyof MetricValues)[]) {
    const value = values[key];
    if (value === undefined || value === null) continue;
    points.push({ name: `${split}/${METRIC_SUFFIX[key]}`, step: at.step, samples: at.samples, wallTime: at.wallTime, value });
  }
  return points;
}

function checkPoint(point: MetricPoint, index: number): void {
  const where = `points[${index}]`;
  if (typeof point.name !== 'string' || point.name.length === 0 || point.name.length > 200) {
    throw new InvalidInputError(`${where}.name must be a non-empty string of at most 200 characters.`, `${where}.name`);
  }
  if (!Number.isSafeInteger(point.step) || point.step < 0) {
    throw new InvalidInputError(`${where}.step must be an integer >= 0, got ${point.step}.`, `${where}.step`);
  }
  if (!Number.isSafeInteger(point.samples) || point.samples < 0) {
    throw new InvalidInputError(`${where}.samples must be an integer >= 0, got ${point.samples}.`, `${where}.samples`);
  }
  if (!Number.isFinite(point.wallTime)) {
    throw new InvalidInputError(`${where}.wallTime must be a finite number, got ${point.wallTime}.`, `${where}.wallTime`);
  }
}

/** SQL of one point insert; exported so the crash test's child process writes exactly what the store writes. */
export const INSERT_METRIC_POINT_SQL = `
  INSERT INTO metric_points (series_id, step, samples, wall_time, value) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (series_id, step) DO UPDATE
    SET samples = excluded.samples, wall_time = excluded.wall_time, value = excluded.value`;

/** SQL that returns the id of a (run, name) series, creating it if needed. */
export const UPSERT_METRIC_SERIES_SQL = `
  INSERT INTO metric_series (run_id, name) VALUES (?, ?)
  ON CONFLICT (run_id, name) DO UPDATE SET name = excluded.name
  RETURNING id`;

/**
 * Appends points to a run in ONE transaction (one flush of the trainer): series ids are resolved
 * once per name, then one prepared insert runs per point. `progress`, when given, is written in the
 * same transaction, so a reader never sees progress ahead of the points.
 */
export function appendMetricPoints(db: WritableDB, runId: string, points: readonly MetricPoint[], progress?: number): number {
  points.forEach(checkPoint);
  if (progress !== undefined && !(progress >= 0 && progress <= 1)) {
    throw new InvalidInputError(`progress must be in 0..1, got ${progress}.`, 'progress');
  }
  const runExists = db.prepare<[string], number>('SELECT 1 FROM runs WHERE id = ?').pluck();
  const upsertSeries = db.prepare<[string, string], number>(UPSERT_METRIC_SERIES_SQL).pluck();
  const insertPoint = db.prepare<[number, number, number, number, number | null]>(INSERT_METRIC_POINT_SQL);
  const setProgress = db.prepare<[number, string]>('UPDATE runs SET progress = ? WHERE id = ?');
  const append = db.transaction(() => {
    if (runExists.get(runId) === undefined) throw new NotFoundError('run', runId);
    const seriesIds = new Map<string, number>();
    for (const point of points) {
      let seriesId = seriesIds.get(point.name);
      if (seriesId === undefined) {
        seriesId = upsertSeries.get(runId, point.name)!;
        seriesIds.set(point.name, seriesId);
      }
      insertPoint.run(seriesId, point.step, point.samples, point.wallTime, finiteOrNull(point.value));
    }
    if (progress !== undefined) setProgress.run(progress, runId);
    return points.length;
  });
  return append();
}

/** Deletes a run's points after `step` (all of them when step is null); returns how many went. */
export function deleteMetricPointsAfter(db: WritableDB, runId: string, step: number | null): number {
  return db
    .prepare<{ runId: string; step: number }>(
      `DELETE FROM metric_points
       WHERE series_id IN (SELECT id FROM metric_series WHERE run_id = @runId) AND step > @step`,
    )
    .run({ runId, step: step ?? -1 }).changes;
}

/** Last and best value of one series, computed in SQL. */
export interface MetricSummary {
  runId: string;
  name: string;
  /** Value at the highest step. */
  last: number | null;
  lastStep: number | null;
  /** max or min over the series per metricDirection; null when the metric has no direction. */
  best: number | null;
}

/**
 * Last and best value of every series of the given runs whose name matches one of the GLOB
 * patterns (default: 'valid/*' and 'test/*'). Best values are only computed for patterns in
 * `bestFor` (default the same), so a huge 'train/*' series costs one index probe for its last value.
 */
export function metricSummaries(
  db: ReadableDB,
  runIds: readonly string[],
  patterns: readonly string[] = ['valid/*', 'test/*'],
  bestFor: readonly string[] = ['valid/*', 'test/*'],
): MetricSummary[] {
  if (runIds.length === 0) return [];
  interface Row { run_id: string; name: string; last: number | null; last_step: number | null; best: number | null }
  const rows = db
    .prepare<{ ids: string; patterns: string; bestFor: string }, Row>(
      `WITH selected AS (
         SELECT ms.id, ms.run_id, ms.name, ${DIRECTION_SQL} AS direction,
                EXISTS (SELECT 1 FROM json_each(@bestFor) b WHERE ms.name GLOB b.value) AS wants_best
         FROM metric_series ms
         WHERE ms.run_id IN (SELECT value FROM json_each(@ids))
           AND EXISTS (SELECT 1 FROM json_each(@patterns) p WHERE ms.name GLOB p.value)
       )
       SELECT s.run_id, s.name,
         (SELECT p.value FROM metric_points p WHERE p.series_id = s.id ORDER BY p.step DESC LIMIT 1) AS last,
         (SELECT p.step FROM metric_points p WHERE p.series_id = s.id ORDER BY p.step DESC LIMIT 1) AS last_step,
         CASE
           WHEN NOT s.wants_best THEN NULL
           WHEN s.direction = 1 THEN (SELECT MAX(p.value) FROM metric_points p WHERE p.series_id = s.id)
           WHEN s.direction = -1 THEN (SELECT MIN(p.value) FROM metric_points p WHERE p.series_id = s.id)
         END AS best
       FROM selected s
       ORDER BY s.run_id, s.name`,
    )
    .all({ ids: JSON.stringify(runIds), patterns: JSON.stringify(patterns), bestFor: JSON.stringify(bestFor) });
  return rows.map((row) => ({
    runId: row.run_id,
    name: row.name,
    last: row.last,
    lastStep: row.last_step,
    best: row.best,
  }));
}

export interface RunMetricValues {
  last: MetricValues;
  best: MetricValues;
  test: MetricValues;
}

function fieldOf(name: string): keyof MetricValues | undefined {
  const suffix = name.slice(name.indexOf('/') + 1);
  const direct = (Object.keys(METRIC_SUFFIX) as (keyof MetricValues)[]).find((key) => METRIC_SUFFIX[key] === suffix);
  return direct ?? SUFFIX_ALIASES[suffix];
}

/**
 * The RunSummary metric blocks of each run: `last`/`best` from 'valid/*' (throughput's last value
 * from 'train/samples_per_sec' when there is no validation one), `test` = last 'test/*' values.
 */
export function runMetricValues(db: ReadableDB, runIds: readonly string[]): Map<string, RunMetricValues> {
  const result = new Map<string, RunMetricValues>();
  for (const id of runIds) result.set(id, { last: {}, best: {}, test: {} });
  const summaries = metricSummaries(db, runIds, ['valid/*', 'test/*', 'train/samples_per_sec']);
  // Canonical names ('valid/logloss') win over aliases ('valid/loss'): apply aliases first.
  summaries.sort((a, b) => Number(isCanonical(a.name)) - Number(isCanonical(b.name)));
  for (const summary of summaries) {
    const values = result.get(summary.runId);
    const field = fieldOf(summary.name);
    if (values === undefined || field === undefined) continue;
    if (summary.name.startsWith('valid/')) {
      values.last[field] = summary.last;
      values.best[field] = summary.best;
    } else if (summary.name.startsWith('test/')) {
      values.test[field] = summary.last;
    } else if (values.last[field] === undefined) {
      values.last[field] = summary.last;
    }
  }
  return result;
}

function isCanonical(name: string): boolean {
  return SUFFIX_ALIASES[name.slice(name.indexOf('/') + 1)] === undefined;
}

/** Distinct series names of the given runs, sorted. */
export function metricNames(db: ReadableDB, runIds: readonly string[]): string[] {
  return db
    .prepare<[string], string>(
      'SELECT DISTINCT name FROM metric_series WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY name',
    )
    .pluck()
    .all(JSON.stringify(runIds));
}

export interface MetricSeriesQuery {
  ids: readonly string[];
  /** Exact series names; all series of the runs when absent. */
  names?: readonly string[];
  /** At most this many points per series (>= 2); all points when absent. */
  maxPoints?: number;
}

/**
 * Series of several runs, in the order of `ids` then by name, read in one snapshot.
 *
 * Downsampling (a series with more than maxPoints = m points, steps lo..hi): for i = 0..m-1 the
 * first point at or after step lo + (hi - lo) * i / (m - 1) is kept, duplicates once. That is a
 * uniform stride along the x axis that always keeps the first and the last point, returns at most
 * m points, and costs about m index seeks whatever the series' length.
 */
export function metricSeries(db: ReadableDB, query: MetricSeriesQuery): MetricSeries[] {
  const maxPoints = query.maxPoints;
  if (maxPoints !== undefined && !(Number.isSafeInteger(maxPoints) && maxPoints >= 2)) {
    throw new InvalidInputError(`maxPoints must be an integer >= 2, got ${maxPoints}.`, 'maxPoints');
  }
  interface SeriesRow { id: number; run_id: string; name: string }
  type PointRow = [number, number, number, number | null];
  const selectSeries = db.prepare<{ ids: string; names: string | null }, SeriesRow>(
    `SELECT ms.id, ms.run_id, ms.name
     FROM json_each(@ids) AS wanted
     JOIN metric_series ms ON ms.run_id = wanted.value
     WHERE @names IS NULL OR ms.name IN (SELECT value FROM json_each(@names))
     ORDER BY wanted.key, ms.name`,
  );
  // Counts at most maxPoints + 1 rows: enough to know whether the series needs downsampling.
  const countPointsUpTo = db
    .prepare<[number, number], number>('SELECT COUNT(*) FROM (SELECT 1 FROM metric_points WHERE series_id = ? LIMIT ?)')
    .pluck();
  const firstStep = db.prepare<[number], number>('SELECT step FROM metric_points WHERE series_id = ? ORDER BY step LIMIT 1').pluck();
  const lastStep = db.prepare<[number], number>('SELECT step FROM metric_points WHERE series_id = ? ORDER BY step DESC LIMIT 1').pluck();
  const allPoints = db
    .prepare<[number], PointRow>('SELECT step, samples, wall_time, value FROM metric_points WHERE series_id = ? ORDER BY step')
    .raw();
  const sampledPoints = db
    .prepare<{ seriesId: number; first: number; last: number; maxPoints: number }, PointRow>(
      `WITH RECURSIVE
         targets (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM targets WHERE i + 1 < @maxPoints),
         picked (step) AS (
           SELECT (SELECT p.step FROM metric_points p
                   WHERE p.series_id = @seriesId AND p.step >= @first + (@last - @first) * i / (@maxPoints - 1.0)
                   ORDER BY p.step LIMIT 1)
           FROM targets
         )
       SELECT p.step, p.samples, p.wall_time, p.value FROM metric_points p
       WHERE p.series_id = @seriesId AND p.step IN (SELECT step FROM picked)
       ORDER BY p.step`,
    )
    .raw();
  const read = db.transaction((): MetricSeries[] => {
    const seriesRows = selectSeries.all({
      ids: JSON.stringify(query.ids),
      names: query.names === undefined ? null : JSON.stringify(query.names),
    });
    return seriesRows.map((series) => {
      const result: MetricSeries = { runId: series.run_id, name: series.name, step: [], samples: [], wallTime: [], value: [] };
      const rows =
        maxPoints === undefined || countPointsUpTo.get(series.id, maxPoints + 1)! <= maxPoints
          ? allPoints.all(series.id)
          : sampledPoints.all({ seriesId: series.id, first: firstStep.get(series.id)!, last: lastStep.get(series.id)!, maxPoints });
      for (const [step, samples, wallTime, value] of rows) {
        result.step.push(step);
        result.samples.push(samples);
        result.wallTime.push(wallTime);
        result.value.push(value);
      }
      return result;
    });
  });
  return read();
}
