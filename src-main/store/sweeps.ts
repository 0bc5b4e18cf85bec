/**
 * Queries on sweeps and their trials. A trial's run is created and linked to the trial in ONE
 * transaction (createTrialRun), so a process killed at any moment leaves either no run for the
 * trial or exactly one, never an orphan that a resume would duplicate.
 */
import type {
  BestStepInfo,
  RunStatus,
  StartRunInput,
  SweepDetail,
  SweepSetting,
  SweepSpec,
  SweepSummary,
  SweepTrial,
  SweepTrialState,
  SweepValue,
} from '../domain';
import type { ReadableDB, WritableDB } from './db';
import { InvalidInputError, NotFoundError } from './errors';
import { runMetricValues } from './metrics';
import { checkId, newId } from './paths';
import { insertRun } from './runs';
import { nowIso } from './sql';

interface SweepRow {
  id: string;
  name: string;
  status: RunStatus;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  strategy: SweepSpec['strategy'];
  seed: number;
  spec_json: string;
  error: string | null;
}

interface TrialRow {
  trial: number;
  settings_json: string;
  state: SweepTrialState;
  run_id: string | null;
  rung: number;
  completed_rung: number;
  value: number | null;
  error: string | null;
  run_status: RunStatus | null;
  best_json: string | null;
  last_checkpoint_step: number | null;
  best_step: number | null;
}

const SWEEP_COLUMNS = 'id, name, status, created_at, started_at, ended_at, strategy, seed, spec_json, error';

/** A new sweep in status 'queued' with its trials 'pending' (settings in trial order); returns its id. */
export function insertSweep(db: WritableDB, spec: SweepSpec, trials: readonly Partial<Record<SweepSetting, SweepValue>>[], options: { id?: string; name?: string } = {}): string {
  const id = checkId(options.id ?? newId());
  const createdAt = nowIso();
  const name = (options.name ?? spec.name ?? `${spec.strategy} sweep ${createdAt.slice(0, 19).replace('T', ' ')}`).trim();
  if (name.length === 0 || name.length > 200) throw new InvalidInputError('A sweep name must be 1-200 characters.', 'name');
  const insert = db.transaction(() => {
    db.prepare(
      `INSERT INTO sweeps (id, name, status, created_at, strategy, seed, spec_json, owner_pid)
       VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)`,
    ).run(id, name, createdAt, spec.strategy, spec.seed, JSON.stringify(spec), process.pid);
    const trial = db.prepare(`INSERT INTO sweep_trials (sweep_id, trial, settings_json, state) VALUES (?, ?, ?, 'pending')`);
    trials.forEach((settings, index) => trial.run(id, index, JSON.stringify(settings)));
  });
  insert();
  return id;
}

/** Status change of a sweep: running records the start time and owner process; an end status the end time. */
export function setSweepStatus(db: WritableDB, id: string, status: RunStatus, error: string | null = null): void {
  const now = nowIso();
  const ended = status === 'finished' || status === 'failed' || status === 'cancelled' || status === 'interrupted';
  const changes = db
    .prepare(
      `UPDATE sweeps SET status = @status, error = @error,
         started_at = CASE WHEN @status = 'running' THEN COALESCE(started_at, @now) ELSE started_at END,
         ended_at = CASE WHEN @ended THEN @now ELSE NULL END,
         owner_pid = CASE WHEN @status IN ('running', 'queued') THEN @pid ELSE owner_pid END
       WHERE id = @id`,
    )
    .run({ id, status, error, now, ended: ended ? 1 : 0, pid: process.pid }).changes;
  if (changes === 0) throw new NotFoundError('sweep', id);
}

/**
 * Creates the run of a trial (group = the sweep) and links it, in one transaction; the trial
 * becomes 'running'. Returns the run id.
 */
export function createTrialRun(db: WritableDB, sweepId: string, trial: number, config: StartRunInput, name: string): string {
  const create = db.transaction((): string => {
    const row = db.prepare<[string, number], { run_id: string | null }>('SELECT run_id FROM sweep_trials WHERE sweep_id = ? AND trial = ?').get(sweepId, trial);
    if (row === undefined) throw new NotFoundError('sweep', `${sweepId} trial ${trial}`);
    if (row.run_id !== null) return row.run_id;
    const runId = insertRun(db, { ...config, group: sweepId }, { name });
    db.prepare(`UPDATE sweep_trials SET run_id = ?, state = 'running' WHERE sweep_id = ? AND trial = ?`).run(runId, sweepId, trial);
    return runId;
  });
  return create();
}

export interface TrialChanges {
  state?: SweepTrialState;
  rung?: number;
  completedRung?: number;
  value?: number | null;
  error?: string | null;
}

export function updateTrial(db: WritableDB, sweepId: string, trial: number, changes: TrialChanges): void {
  const sets: string[] = [];
  const params: Record<string, unknown> = { sweepId, trial };
  if (changes.state !== undefined) (sets.push('state = @state'), (params['state'] = changes.state));
  if (changes.rung !== undefined) (sets.push('rung = @rung'), (params['rung'] = changes.rung));
  if (changes.completedRung !== undefined) (sets.push('completed_rung = @completedRung'), (params['completedRung'] = changes.completedRung));
  if (changes.value !== undefined) (sets.push('value = @value'), (params['value'] = changes.value !== null && Number.isFinite(changes.value) ? changes.value : null));
  if (changes.error !== undefined) (sets.push('error = @error'), (params['error'] = changes.error));
  if (sets.length === 0) return;
  const count = db.prepare(`UPDATE sweep_trials SET ${sets.join(', ')} WHERE sweep_id = @sweepId AND trial = @trial`).run(params).changes;
  if (count === 0) throw new NotFoundError('sweep', `${sweepId} trial ${trial}`);
}

/** Sweeps left 'running' or 'queued' by a process that is gone become 'interrupted'; returns their ids. */
export function markSweepsInterrupted(db: WritableDB, isAlive: (pid: number) => boolean): string[] {
  const rows = db.prepare<[], { id: string; owner_pid: number | null }>(`SELECT id, owner_pid FROM sweeps WHERE status IN ('running', 'queued')`).all();
  const dead = rows.filter((r) => r.owner_pid === null || r.owner_pid === process.pid || !isAlive(r.owner_pid)).map((r) => r.id);
  const update = db.prepare(
    `UPDATE sweeps SET status = 'interrupted', error = 'The process running this sweep stopped; resume it to continue where it was.' WHERE id = ?`,
  );
  for (const id of dead) update.run(id);
  return dead;
}

/** Trials with their run's status, kept-model record, newest checkpoint and the step of the best validation value. */
function trialRows(db: ReadableDB, sweepId: string, metric: SweepSpec['metric']): TrialRow[] {
  return db
    .prepare<{ sweepId: string; series: string; direction: number }, TrialRow>(
      `SELECT t.trial, t.settings_json, t.state, t.run_id, t.rung, t.completed_rung, t.value, t.error,
              r.status AS run_status, r.best_json,
              (SELECT MAX(a.step) FROM artifacts a WHERE a.run_id = t.run_id AND a.kind = 'checkpoint') AS last_checkpoint_step,
              (SELECT p.step FROM metric_series ms JOIN metric_points p ON p.series_id = ms.id
                WHERE ms.run_id = t.run_id AND ms.name = @series AND p.value IS NOT NULL
                ORDER BY p.value * @direction DESC, p.step LIMIT 1) AS best_step
       FROM sweep_trials t LEFT JOIN runs r ON r.id = t.run_id
       WHERE t.sweep_id = @sweepId ORDER BY t.trial`,
    )
    .all({ sweepId, series: metric === 'auc' ? 'valid/auc' : 'valid/logloss', direction: metric === 'auc' ? 1 : -1 });
}

function better(metric: SweepSpec['metric'], a: number, b: number): boolean {
  return metric === 'auc' ? a > b : a < b;
}

function toTrials(db: ReadableDB, rows: readonly TrialRow[]): SweepTrial[] {
  const runIds = rows.flatMap((r) => (r.run_id === null ? [] : [r.run_id]));
  const metrics = runMetricValues(db, runIds);
  return rows.map((row) => {
    const best = row.best_json === null ? null : (JSON.parse(row.best_json) as BestStepInfo);
    return {
      index: row.trial,
      settings: JSON.parse(row.settings_json) as SweepTrial['settings'],
      state: row.state,
      runId: row.run_id,
      runStatus: row.run_status,
      rung: row.rung,
      completedRung: row.completed_rung,
      value: row.value,
      bestStep: best?.step ?? row.best_step,
      trainedSteps: best?.trainedSteps ?? row.last_checkpoint_step,
      test: row.run_id === null ? {} : (metrics.get(row.run_id)?.test ?? {}),
      error: row.error,
    };
  });
}

/** The best trial: among finished trials when any, else among all with a value. */
function bestOf(metric: SweepSpec['metric'], trials: readonly SweepTrial[]): SweepTrial | null {
  const finished = trials.filter((t) => t.state === 'finished' && t.value !== null);
  const pool = finished.length > 0 ? finished : trials.filter((t) => t.value !== null);
  let best: SweepTrial | null = null;
  for (const t of pool) if (best === null || better(metric, t.value!, best.value!)) best = t;
  return best;
}

function toSummary(row: SweepRow, spec: SweepSpec, trials: readonly SweepTrial[]): SweepSummary {
  const best = bestOf(spec.metric, trials);
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    strategy: row.strategy,
    metric: spec.metric,
    seed: row.seed,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    trials: trials.length,
    trialsDone: trials.filter((t) => t.state === 'finished' || t.state === 'pruned' || t.state === 'failed').length,
    bestTrial: best?.index ?? null,
    bestValue: best?.value ?? null,
  };
}

function sweepRow(db: ReadableDB, id: string): SweepRow {
  const row = db.prepare<[string], SweepRow>(`SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE id = ?`).get(id);
  if (row === undefined) throw new NotFoundError('sweep', id);
  return row;
}

/** A SweepDetail without the rung plan (the service adds it from the spec). */
export type StoredSweepDetail = Omit<SweepDetail, 'rungFractions'>;

/** One sweep with its spec and trials (joined with their runs), read in one snapshot. */
export function getSweep(db: ReadableDB, id: string): StoredSweepDetail {
  const read = db.transaction((): StoredSweepDetail => {
    const row = sweepRow(db, id);
    const spec = JSON.parse(row.spec_json) as SweepSpec;
    const trialList = toTrials(db, trialRows(db, id, spec.metric));
    return { ...toSummary(row, spec, trialList), spec, trialList, error: row.error };
  });
  return read();
}

/** Every sweep, newest first. */
export function listSweeps(db: ReadableDB): SweepSummary[] {
  const read = db.transaction((): SweepSummary[] => {
    const rows = db.prepare<[], SweepRow>(`SELECT ${SWEEP_COLUMNS} FROM sweeps ORDER BY created_at DESC, rowid DESC`).all();
    return rows.map((row) => {
      const spec = JSON.parse(row.spec_json) as SweepSpec;
      return toSummary(row, spec, toTrials(db, trialRows(db, row.id, spec.metric)));
    });
  });
  return read();
}

/** Deletes a sweep and its trial rows (their runs stay, as ordinary runs of the group). */
export function deleteSweepRow(db: WritableDB, id: string): boolean {
  return db.prepare('DELETE FROM sweeps WHERE id = ?').run(id).changes === 1;
}
