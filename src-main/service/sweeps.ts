/**
 * Sweeps: validate a spec, plan its trials (engine/sweep/plan.ts), store the sweep and its trials,
 * and drive them one at a time as ordinary runs through the RunManager. Successive halving pauses
 * each trial at its rung (the run ends 'cancelled' with a checkpoint), promotes the best 1/eta by
 * their best validation value, and resumes the promoted runs exactly. Every step is recorded before
 * the next one starts, so `sweeps.resume` after a kill continues without repeating or losing a trial.
 */
import type { PathPolicy } from './paths';
import type { MethodHandlers, ServiceContext } from './context';
import type { RunManager } from './runs';
import type { EarlyStopMetric, StartRunInput, SweepDetail, SweepParameter, SweepSetting, SweepSpec, SweepTrial } from './contract';
import { planTrials, promote, rungsOf, trialRunInput, type Rung } from '../engine/sweep/plan';
import { parseIdInput, parseStartRunInput } from './inputs';
import { ApiError, array, badRequest, empty, integer, number, object, onlyKeys, oneOf, optionalString, type Json } from './validate';

const SETTINGS: readonly SweepSetting[] = [
  'learningRate', 'sparseLearningRate', 'weightDecay', 'denseOptimizer', 'sparseOptimizer', 'batchSize',
  'embeddingDim', 'hashSize', 'minCount', 'bottomMlp', 'topMlp', 'interaction', 'modelKind',
];
/** The most trials a sweep may have. */
export const MAX_TRIALS = 500;

function parseParameter(value: unknown, field: string): SweepParameter {
  const o = object(value, field);
  onlyKeys(o, ['setting', 'values', 'range'], field);
  const parameter: SweepParameter = { setting: oneOf(o['setting'], `${field}.setting`, SETTINGS) };
  if (o['values'] !== undefined) {
    parameter.values = array(
      o['values'],
      `${field}.values`,
      (v, f) => {
        if (typeof v === 'number' && Number.isFinite(v)) return v;
        if (typeof v === 'string' && v.length > 0 && v.length <= 200) return v;
        throw badRequest(f, 'expected a number or a non-empty string');
      },
      { min: 1, max: 100 },
    );
  }
  if (o['range'] !== undefined) {
    const r = object(o['range'], `${field}.range`);
    onlyKeys(r, ['min', 'max', 'scale', 'integer'], `${field}.range`);
    const min = number(r['min'], `${field}.range.min`);
    const max = number(r['max'], `${field}.range.max`);
    if (!(max > min)) throw badRequest(`${field}.range.max`, 'must be greater than min');
    const scale = oneOf(r['scale'] ?? 'linear', `${field}.range.scale`, ['linear', 'log'] as const);
    if (scale === 'log' && !(min > 0)) throw badRequest(`${field}.range.min`, 'must be > 0 on a log scale');
    parameter.range = { min, max, scale };
    if (r['integer'] === true) parameter.range.integer = true;
  }
  if ((parameter.values === undefined) === (parameter.range === undefined)) throw badRequest(field, 'give either values or a range');
  return parameter;
}

/** The base run input, its errors named under `base.` (e.g. base.train.batchSize). */
function parseBase(value: unknown, paths: PathPolicy): StartRunInput {
  if (value === undefined) throw badRequest('base', 'the run every trial starts from is missing');
  try {
    return parseStartRunInput(value, paths);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'bad-request') {
      const field = err.field === undefined || err.field === 'input' ? 'base' : `base.${err.field}`;
      throw new ApiError(`base.${err.message.replace(/^input: /, '')}`, 'bad-request', field);
    }
    throw err;
  }
}

/** Validates a sweep spec from outside; every trial's run input is validated as runs.start would. */
export function parseSweepSpec(value: unknown, paths: PathPolicy): SweepSpec {
  const o: Json = object(value);
  onlyKeys(o, ['name', 'base', 'parameters', 'strategy', 'trials', 'seed', 'metric', 'eta', 'rungs']);
  const strategy = oneOf(o['strategy'] ?? 'random', 'strategy', ['grid', 'random', 'halving'] as const);
  const spec: SweepSpec = {
    base: parseBase(o['base'], paths),
    parameters: array(o['parameters'], 'parameters', parseParameter, { min: 1, max: 20 }),
    strategy,
    trials: integer(o['trials'] ?? (strategy === 'grid' ? 100 : 10), 'trials', 1, MAX_TRIALS),
    seed: integer(o['seed'] ?? 1, 'seed', 0, 2 ** 31 - 1),
    metric: oneOf(o['metric'] ?? 'logLoss', 'metric', ['logLoss', 'auc'] as const),
  };
  const settings = spec.parameters.map((p) => p.setting);
  const twice = settings.find((s, i) => settings.indexOf(s) !== i);
  if (twice) throw badRequest('parameters', `"${twice}" is given twice`);
  if (strategy === 'grid') spec.parameters.forEach((p, i) => { if (!p.values) throw badRequest(`parameters[${i}].values`, 'a grid needs a list of values'); });
  if (strategy === 'halving') {
    spec.eta = integer(o['eta'] ?? 3, 'eta', 2, 10);
    spec.rungs = integer(o['rungs'] ?? 3, 'rungs', 2, 6);
    if (spec.trials < spec.eta ** (spec.rungs - 1)) throw badRequest('trials', `successive halving with eta ${spec.eta} and ${spec.rungs} rungs needs at least ${spec.eta ** (spec.rungs - 1)} trials`);
  } else if (o['eta'] !== undefined || o['rungs'] !== undefined) {
    throw badRequest(o['eta'] !== undefined ? 'eta' : 'rungs', 'applies to the halving strategy only');
  }
  const name = optionalString(o['name'], 'name', { min: 1, max: 200 });
  if (name !== undefined) spec.name = name;
  return spec;
}

export function sweepRungs(spec: SweepSpec): Rung[] {
  return rungsOf(spec.strategy, spec.trials, spec.eta ?? 3, spec.rungs ?? 3);
}

function describeSettings(settings: SweepTrial['settings']): string {
  return Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(' ');
}

interface Driving {
  cancelled: boolean;
  closing: boolean;
  runId: string | null;
}

export class SweepManager {
  private readonly driving = new Map<string, Driving>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly runs: RunManager,
  ) {}

  /** Plans and stores the sweep (every trial's run input validated first), then drives it. */
  start(spec: SweepSpec): string {
    const trials = planTrials(spec);
    // a trial whose settings make an invalid run is refused before anything runs, naming it
    trials.forEach((settings, i) => {
      try {
        parseStartRunInput(trialRunInput(spec.base, settings), this.ctx.paths);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new ApiError(`trial ${i} (${describeSettings(settings)}): ${message}`, 'bad-request', err instanceof ApiError && err.field ? err.field : 'parameters');
      }
    });
    const id = this.ctx.store.createSweep(spec, trials);
    this.launch(id);
    return id;
  }

  resume(id: string): string {
    if (this.driving.has(id)) throw new ApiError(`sweep ${id} is already running`, 'conflict');
    const sweep = this.ctx.store.getSweep(id);
    if (sweep.status === 'finished') throw new ApiError(`sweep ${id} has finished`, 'conflict');
    this.launch(id);
    return id;
  }

  cancel(id: string): void {
    const state = this.driving.get(id);
    if (!state) throw new ApiError(`sweep ${id} is not running`, 'conflict');
    state.cancelled = true;
    if (state.runId) {
      try {
        this.runs.cancel(state.runId);
      } catch {
        // the run ended meanwhile; the driver sees the flag before the next trial
      }
    }
  }

  /** Stops driving (the app or CLI is closing): sweeps end 'interrupted' and can be resumed. */
  shutdown(): void {
    for (const [id, state] of this.driving) {
      state.closing = true;
      this.ctx.store.setSweepStatus(id, 'interrupted', 'The app closed while this sweep ran; resume it to continue where it was.');
    }
  }

  detail(id: string): SweepDetail {
    const stored = this.ctx.store.getSweep(id);
    return { ...stored, rungFractions: sweepRungs(stored.spec).map((r) => r.fraction) };
  }

  /** Resolves when the sweep's driver stops (tests and the CLI). */
  async settled(id: string): Promise<void> {
    while (this.driving.has(id)) await new Promise((r) => setTimeout(r, 100));
  }

  private launch(id: string): void {
    const state: Driving = { cancelled: false, closing: false, runId: null };
    this.driving.set(id, state);
    this.ctx.store.setSweepStatus(id, 'running');
    void this.drive(id, state)
      .then((status) => this.ctx.store.setSweepStatus(id, status, null))
      .catch((err: unknown) => {
        try {
          this.ctx.store.setSweepStatus(id, 'failed', err instanceof Error ? err.message : String(err));
        } catch {
          // the database is closing
        }
      })
      .finally(() => this.driving.delete(id));
  }

  private async drive(id: string, state: Driving): Promise<'finished' | 'cancelled' | 'interrupted'> {
    const spec = this.ctx.store.getSweep(id).spec;
    const rungs = sweepRungs(spec);
    for (let k = 0; k < rungs.length; k++) {
      for (;;) {
        if (state.closing) return 'interrupted';
        if (state.cancelled) return 'cancelled';
        const next = this.ctx.store.getSweep(id).trialList.find((t) => t.rung >= k && t.completedRung < k && t.state !== 'pruned' && t.state !== 'failed');
        if (!next) break;
        await this.runTrial(id, spec, next, k, rungs[k]!, state);
      }
      if (k === rungs.length - 1) break;
      // promotion: the best `admit` of this rung by their best validation value go on, the rest are pruned
      const reached = this.ctx.store.getSweep(id).trialList.filter((t) => t.rung >= k && t.completedRung >= k && t.state !== 'failed');
      const promoted = new Set(promote(reached.map((t) => ({ index: t.index, value: t.value })), rungs[k + 1]!.admit, spec.metric));
      for (const t of reached) {
        if (promoted.has(t.index)) this.ctx.store.updateTrial(id, t.index, { rung: Math.max(t.rung, k + 1), state: t.completedRung > k ? t.state : 'paused' });
        else this.ctx.store.updateTrial(id, t.index, { state: 'pruned' });
      }
    }
    return 'finished';
  }

  /** Trains one trial to the end of rung k (creating, resuming or only recording its run). */
  private async runTrial(id: string, spec: SweepSpec, trial: SweepTrial, k: number, rung: Rung, state: Driving): Promise<void> {
    const store = this.ctx.store;
    const pause = rung.fraction < 1 ? rung.fraction : undefined;
    let runId = trial.runId;
    let started = false;
    if (runId === null) {
      const input: StartRunInput = parseStartRunInput(trialRunInput(spec.base, trial.settings), this.ctx.paths);
      const name = `${spec.name ?? 'sweep'} · trial ${trial.index}${describeSettings(trial.settings) ? ` · ${describeSettings(trial.settings)}` : ''}`.slice(0, 200);
      runId = store.createTrialRun(id, trial.index, { ...input, tags: [...(input.tags ?? []), 'sweep'] }, name);
      this.runs.startCreated(runId, store.getRun(runId).config, pause);
      started = true;
    } else {
      const run = store.getRun(runId);
      if (run.status === 'failed') {
        store.updateTrial(id, trial.index, { state: 'failed', error: run.error });
        return;
      }
      if (run.status !== 'finished') {
        this.runs.resume(runId, pause);
        started = true;
      }
    }
    let ended: { status: string; paused: boolean; error: string | null } = { status: 'finished', paused: false, error: null };
    if (started) {
      state.runId = runId;
      store.updateTrial(id, trial.index, { state: 'running' });
      ended = await this.runs.whenEnded(runId);
      state.runId = null;
    }
    const run = store.getRun(runId);
    const value = bestValue(run.best, spec.metric);
    if (ended.status === 'finished') store.updateTrial(id, trial.index, { state: 'finished', completedRung: k, value });
    else if (ended.paused) store.updateTrial(id, trial.index, { state: 'paused', completedRung: k, value });
    else if (ended.status === 'failed') store.updateTrial(id, trial.index, { state: 'failed', error: ended.error, value });
    else if (!state.cancelled && !state.closing) store.updateTrial(id, trial.index, { state: 'failed', error: 'its run was cancelled', value });
    // cancelled with the sweep, or by a closing app: the trial stays 'running' and a resume continues its run
  }
}

function bestValue(best: { logLoss?: number | null; auc?: number | null }, metric: EarlyStopMetric): number | null {
  const v = best[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function sweepMethods(ctx: ServiceContext, manager: SweepManager): MethodHandlers {
  return {
    'sweeps.start': (input) => ({ id: manager.start(parseSweepSpec(input, ctx.paths)) }),
    'sweeps.list': (input) => {
      empty(input);
      return ctx.store.listSweeps();
    },
    'sweeps.get': (input) => manager.detail(parseIdInput(input).id),
    'sweeps.cancel': (input) => {
      manager.cancel(parseIdInput(input).id);
      return { ok: true };
    },
    'sweeps.resume': (input) => ({ id: manager.resume(parseIdInput(input).id) }),
  };
}
