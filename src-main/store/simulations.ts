/**
 * Closed-loop recommender simulations: the spec, status and progress of each, and per-round metrics
 * per policy with the tracked user's topic shares.
 */
import type {
  PolicySpec,
  RunStatus,
  SimulationDetail,
  SimulationRoundMetrics,
  SimulationSpec,
  SimulationSummary,
} from '../domain';
import type { ReadableDB, WritableDB } from './db';
import { InvalidInputError, InvalidTransitionError, NotFoundError } from './errors';
import { checkId, newId } from './paths';
import { RUN_STATUSES, RUN_TRANSITIONS } from './runs';
import { finiteOrNull, nowIso } from './sql';

/**
 * The label of each policy of a spec, in order: `label` when given, else the kind with its parameter
 * ('mmr lambda=0.5', 'epsilon-greedy epsilon=0.1'); repeated labels get ' #2', ' #3'. The engine
 * should key round metrics by these labels (the service can pass them along).
 */
export function simulationPolicyLabels(spec: Pick<SimulationSpec, 'policies'>): string[] {
  const seen = new Map<string, number>();
  return spec.policies.map((policy: PolicySpec) => {
    let base = policy.label?.trim();
    if (!base) {
      base = policy.kind;
      if (policy.kind === 'mmr' && policy.lambda !== undefined) base += ` lambda=${policy.lambda}`;
      if (policy.kind === 'epsilon-greedy' && policy.epsilon !== undefined) base += ` epsilon=${policy.epsilon}`;
    }
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base} #${count}`;
  });
}

/** One round of one policy, as the engine reports it. */
export interface SimulationRoundInput {
  policy: string;
  metrics: SimulationRoundMetrics;
  /** Topic shares of the tracked user's consumption this round (sums to 1, or all 0 if nothing consumed). */
  trackedTopicShares?: readonly number[] | null;
}

export interface CreateSimulationOptions {
  id?: string;
  createdAt?: string;
}

export function insertSimulation(db: WritableDB, spec: SimulationSpec, options: CreateSimulationOptions = {}): string {
  const id = checkId(options.id ?? newId());
  const createdAt = options.createdAt ?? nowIso();
  if (!Number.isSafeInteger(spec.seed)) throw new InvalidInputError('seed must be an integer.', 'seed');
  const name = spec.name?.trim() || `simulation ${createdAt.slice(0, 19).replace('T', ' ')}`;
  db.prepare(
    `INSERT INTO simulations (id, name, status, created_at, seed, spec_json, owner_pid) VALUES (?, ?, 'queued', ?, ?, ?, ?)`,
  ).run(id, name, createdAt, spec.seed, JSON.stringify(spec), process.pid);
  return id;
}

function statusOf(db: ReadableDB, id: string): RunStatus | undefined {
  return db.prepare<[string], RunStatus>('SELECT status FROM simulations WHERE id = ?').pluck().get(id);
}

/**
 * Status change with the same lifecycle as runs: started_at is set on 'running', ended_at on
 * finished/failed/cancelled/interrupted.
 */
export function setSimulationStatus(db: WritableDB, id: string, to: RunStatus, error: string | null = null, at: string = nowIso()): void {
  if (!RUN_STATUSES.includes(to)) throw new InvalidInputError(`Unknown status "${to}".`, 'status');
  const from = RUN_STATUSES.filter((status) => RUN_TRANSITIONS[status].includes(to));
  const changes = db
    .prepare(
      `UPDATE simulations SET status = @to, error = @error,
         started_at = CASE WHEN @to = 'running' THEN COALESCE(started_at, @at) ELSE started_at END,
         owner_pid = CASE WHEN @to IN ('running', 'queued') THEN @pid ELSE owner_pid END,
         ended_at = CASE WHEN @to IN ('running', 'queued') THEN NULL ELSE @at END,
         progress = CASE WHEN @to = 'finished' THEN 1 ELSE progress END
       WHERE id = @id AND status IN (SELECT value FROM json_each(@from))`,
    )
    .run({ id, to, error, at, from: JSON.stringify(from), pid: process.pid }).changes;
  if (changes === 1) return;
  const current = statusOf(db, id);
  if (current === undefined) throw new NotFoundError('simulation', id);
  throw new InvalidTransitionError('simulation', id, current, to);
}

export function setSimulationProgress(db: WritableDB, id: string, progress: number): void {
  if (!(progress >= 0 && progress <= 1)) throw new InvalidInputError(`progress must be in 0..1, got ${progress}.`, 'progress');
  if (db.prepare('UPDATE simulations SET progress = ? WHERE id = ?').run(progress, id).changes === 0) {
    throw new NotFoundError('simulation', id);
  }
}

/** Appends (or replaces, same policy and round) round metrics in one transaction, with progress. */
export function appendSimulationRounds(
  db: WritableDB,
  id: string,
  rounds: readonly SimulationRoundInput[],
  progress?: number,
): void {
  for (const [index, round] of rounds.entries()) {
    if (!Number.isSafeInteger(round.metrics.round) || round.metrics.round < 0) {
      throw new InvalidInputError(`rounds[${index}].metrics.round must be an integer >= 0.`, `rounds[${index}].metrics.round`);
    }
    if (!Number.isSafeInteger(round.metrics.activeUsers) || round.metrics.activeUsers < 0) {
      throw new InvalidInputError(`rounds[${index}].metrics.activeUsers must be an integer >= 0.`, `rounds[${index}].metrics.activeUsers`);
    }
    if (typeof round.policy !== 'string' || round.policy.length === 0) {
      throw new InvalidInputError(`rounds[${index}].policy must be a non-empty string.`, `rounds[${index}].policy`);
    }
  }
  const insert = db.prepare(
    `INSERT OR REPLACE INTO simulation_rounds (simulation_id, policy, round, click_rate, mean_utility,
       intra_list_diversity, coverage, exposure_gini, topic_entropy, homogenization, polarization, extreme_share,
       active_users, tracked_topic_shares)
     VALUES (@id, @policy, @round, @clickRate, @meanUtility, @intraListDiversity, @coverage, @exposureGini,
       @topicEntropy, @homogenization, @polarization, @extremeShare, @activeUsers, @tracked)`,
  );
  const append = db.transaction(() => {
    if (statusOf(db, id) === undefined) throw new NotFoundError('simulation', id);
    for (const { policy, metrics, trackedTopicShares } of rounds) {
      insert.run({
        id,
        policy,
        round: metrics.round,
        clickRate: finiteOrNull(metrics.clickRate),
        meanUtility: finiteOrNull(metrics.meanUtility),
        intraListDiversity: finiteOrNull(metrics.intraListDiversity),
        coverage: finiteOrNull(metrics.coverage),
        exposureGini: finiteOrNull(metrics.exposureGini),
        topicEntropy: finiteOrNull(metrics.topicEntropy),
        homogenization: finiteOrNull(metrics.homogenization),
        polarization: finiteOrNull(metrics.polarization),
        extremeShare: finiteOrNull(metrics.extremeShare),
        activeUsers: metrics.activeUsers,
        tracked: trackedTopicShares ? JSON.stringify(trackedTopicShares.map((share) => finiteOrNull(share) ?? 0)) : null,
      });
    }
    if (progress !== undefined) setSimulationProgress(db, id, progress);
  });
  append();
}

/** Running or queued simulations of a dead process become 'interrupted' (same rule as runs); returns their ids. */
export function markSimulationsInterrupted(db: WritableDB, isAlive: (pid: number) => boolean): string[] {
  const candidates = db
    .prepare<[], { id: string; owner_pid: number | null }>(`SELECT id, owner_pid FROM simulations WHERE status IN ('running', 'queued')`)
    .all();
  const dead = candidates
    .filter((simulation) => simulation.owner_pid === null || simulation.owner_pid === process.pid || !isAlive(simulation.owner_pid))
    .map((simulation) => simulation.id);
  const update = db.prepare(
    `UPDATE simulations SET status = 'interrupted', ended_at = NULL,
       error = 'The app stopped while this simulation was ' || status || '; start it again (same seed, same numbers).'
     WHERE id = ? AND status IN ('running', 'queued')`,
  );
  for (const id of dead) update.run(id);
  return dead;
}

export function deleteSimulationRows(db: WritableDB, id: string): boolean {
  return db.prepare('DELETE FROM simulations WHERE id = ?').run(id).changes === 1;
}

interface SimulationRow {
  id: string;
  name: string;
  status: RunStatus;
  created_at: string;
  seed: number;
  progress: number;
  spec_json: string;
  error: string | null;
}

function toSummary(row: SimulationRow, spec: SimulationSpec): SimulationSummary {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    createdAt: row.created_at,
    seed: row.seed,
    progress: row.progress,
    policies: simulationPolicyLabels(spec),
  };
}

const SIMULATION_COLUMNS = 'id, name, status, created_at, seed, progress, spec_json, error';

/** Every simulation, newest first. */
export function listSimulations(db: ReadableDB): SimulationSummary[] {
  return db
    .prepare<[], SimulationRow>(`SELECT ${SIMULATION_COLUMNS} FROM simulations ORDER BY created_at DESC, rowid DESC`)
    .all()
    .map((row) => toSummary(row, JSON.parse(row.spec_json) as SimulationSpec));
}

interface RoundRow {
  policy: string;
  round: number;
  click_rate: number | null;
  mean_utility: number | null;
  intra_list_diversity: number | null;
  coverage: number | null;
  exposure_gini: number | null;
  topic_entropy: number | null;
  homogenization: number | null;
  polarization: number | null;
  extreme_share: number | null;
  active_users: number;
  tracked_topic_shares: string | null;
}

/** Stored NULL (a non-finite value) reads back as NaN, so the contract's number fields stay numbers. */
function numberOrNaN(value: number | null): number {
  return value ?? Number.NaN;
}

/**
 * One simulation with its spec and, per policy label, the rounds in order and the tracked user's
 * topic shares per round. Policies of the spec without rounds yet map to empty arrays.
 */
export function getSimulation(db: ReadableDB, id: string): SimulationDetail {
  const read = db.transaction((): SimulationDetail => {
    const row = db.prepare<[string], SimulationRow>(`SELECT ${SIMULATION_COLUMNS} FROM simulations WHERE id = ?`).get(id);
    if (row === undefined) throw new NotFoundError('simulation', id);
    const spec = JSON.parse(row.spec_json) as SimulationSpec;
    const summary = toSummary(row, spec);
    const metrics: Record<string, SimulationRoundMetrics[]> = {};
    const trackedUser: Record<string, number[][]> = {};
    for (const label of summary.policies) {
      metrics[label] = [];
      trackedUser[label] = [];
    }
    const rounds = db
      .prepare<[string], RoundRow>('SELECT * FROM simulation_rounds WHERE simulation_id = ? ORDER BY policy, round')
      .all(id);
    for (const round of rounds) {
      (metrics[round.policy] ??= []).push({
        round: round.round,
        clickRate: numberOrNaN(round.click_rate),
        meanUtility: numberOrNaN(round.mean_utility),
        intraListDiversity: numberOrNaN(round.intra_list_diversity),
        coverage: numberOrNaN(round.coverage),
        exposureGini: numberOrNaN(round.exposure_gini),
        topicEntropy: numberOrNaN(round.topic_entropy),
        homogenization: numberOrNaN(round.homogenization),
        polarization: numberOrNaN(round.polarization),
        extremeShare: numberOrNaN(round.extreme_share),
        activeUsers: round.active_users,
      });
      const shares = trackedUser[round.policy] ??= [];
      // One entry per stored round (empty when that round carried no shares), aligned with metrics.
      shares.push(round.tracked_topic_shares === null ? [] : (JSON.parse(round.tracked_topic_shares) as number[]));
    }
    return { ...summary, spec, metrics, trackedUser, error: row.error };
  });
  return read();
}
