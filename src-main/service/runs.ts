/**
 * Training runs: start (queued, one at a time by default), follow (events -> store + UI), cancel,
 * resume from the last checkpoint, and the tracker's list/get/update/delete/export/import methods.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { MetricPoint } from '../store';
import { secondsLeftAtPace } from '../domain';
import type { CollaborativeCtrResult, ModelSpec, RunSummary, StartRunInput } from './contract';
import type { CollaborativeCompareJobPayload } from '../engine/worker/cf-compare-job';
import type { MethodHandlers, ServiceContext } from './context';
import type { TrainJobEvent, TrainJobPayload, TrainJobResult } from '../engine/worker/job-types';
import { JobError, type JobHandle } from './jobs';
import { refuseUnfitRun } from './memory';
import { ApiError, array, integer, object, oneOf, onlyKeys, string } from './validate';
import { defaultTrainingThreads } from '../engine/train/threads';
import {
  parseIdInput,
  parseIdsInput,
  parseModelSpec,
  parseRunQuery,
  parseStartRunInput,
  parseUpdateRun,
  recheckDatasetPaths,
} from './inputs';

/** Metric points are written in batches: at most this often (ms) while a run streams progress. */
const FLUSH_INTERVAL_MS = 1000;

/**
 * Seconds left of a data preparation at the pace so far (fraction done in elapsed seconds); null
 * before 1% or one second, when the pace says nothing yet.
 */
export function preparationEta(fraction: number, elapsedSeconds: number): number | null {
  return fraction >= 0.01 && elapsedSeconds >= 1 ? secondsLeftAtPace(fraction, elapsedSeconds) : null;
}

interface ActiveRun {
  handle: JobHandle<TrainJobResult>;
  pending: MetricPoint[];
  lastFlush: number;
  progress: number;
  /** performance.now() of the first data-preparation report (its ETA is paced from there). */
  preparingSince: number | null;
}

interface QueuedRun {
  id: string;
  input: StartRunInput;
  resumeFrom: string | null;
  /** Pause at this fraction of the run (a sweep's rung). */
  pauseAtFraction?: number;
}

/** How a run's job ended, for callers that wait on it (sweeps). */
export interface RunEnd {
  status: 'finished' | 'failed' | 'cancelled';
  error: string | null;
  /** Ended at its pauseAtFraction (status 'cancelled'). */
  paused: boolean;
}

export class RunManager {
  private readonly active = new Map<string, ActiveRun>();
  private readonly queue: QueuedRun[] = [];
  private readonly maxConcurrent: number;
  private closing = false;
  private readonly endWaiters = new Map<string, ((end: RunEnd) => void)[]>();

  constructor(private readonly ctx: ServiceContext) {
    const fromEnv = Number(process.env['DLRM_STUDIO_MAX_CONCURRENT_RUNS'] ?? '1');
    this.maxConcurrent = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1;
  }

  start(input: StartRunInput): string {
    // refused before anything is stored: a run that cannot fit in memory, or compressed tables on WebGPU
    refuseUnfitRun(input);
    const id = this.ctx.store.createRun(input, { name: input.name ?? defaultRunName(input) });
    this.ctx.store.ensureRunFolder(id);
    this.enqueue({ id, input, resumeFrom: null });
    return id;
  }

  /** Starts a run already created in the store (a sweep's trial, created with its trial link). */
  startCreated(id: string, input: StartRunInput, pauseAtFraction?: number): void {
    this.ctx.store.ensureRunFolder(id);
    this.enqueue({ id, input, resumeFrom: null, ...(pauseAtFraction !== undefined ? { pauseAtFraction } : {}) });
  }

  resume(id: string, pauseAtFraction?: number): string {
    if (this.active.has(id) || this.queue.some((q) => q.id === id)) {
      throw new ApiError(`run ${id} is already running or queued`, 'conflict');
    }
    const info = this.ctx.store.prepareResume(id);
    this.enqueue({ id, input: info.config, resumeFrom: info.lastCheckpointPath, ...(pauseAtFraction !== undefined ? { pauseAtFraction } : {}) });
    return id;
  }

  /** Resolves when the run's job ends (call right after starting or resuming it). */
  whenEnded(id: string): Promise<RunEnd> {
    return new Promise((resolve) => {
      const list = this.endWaiters.get(id) ?? [];
      list.push(resolve);
      this.endWaiters.set(id, list);
    });
  }

  cancel(id: string): void {
    const queued = this.queue.findIndex((q) => q.id === id);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.end(id, 'cancelled', null);
      return;
    }
    const run = this.active.get(id);
    if (!run) throw new ApiError(`run ${id} is not running`, 'conflict');
    run.handle.cancel();
  }

  isBusy(id: string): boolean {
    return this.active.has(id) || this.queue.some((q) => q.id === id);
  }

  /**
   * The process is stopping (a signal, the window closing): running jobs are asked to stop (they
   * write a checkpoint) and then ended. A stop of the process is not a user's cancel of the run,
   * so every run of this process still running or queued becomes 'interrupted', resumable, the
   * state a kill -9 leaves too; 'cancelled' stays for runs.cancel. Safe to call twice.
   */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.queue.length = 0;
    const waits = [...this.active.values()].map(async (run) => {
      run.handle.cancel();
      const timeout = new Promise<void>((r) => setTimeout(r, 10_000));
      await Promise.race([run.handle.done.catch(() => undefined), timeout]);
      await run.handle.terminate();
    });
    await Promise.all(waits);
    for (const id of this.ctx.store.markInterrupted().runs) {
      this.ctx.emit({ type: 'run-status', runId: id, status: 'interrupted', error: this.ctx.store.getRun(id).error });
    }
  }

  private enqueue(job: QueuedRun): void {
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (!this.closing && this.active.size < this.maxConcurrent && this.queue.length > 0) {
      this.launch(this.queue.shift()!);
    }
  }

  private launch(job: QueuedRun): void {
    const { id } = job;
    const payload: TrainJobPayload = {
      runId: id,
      input: job.input,
      runDir: this.ctx.store.runFolder(id),
      cacheDir: this.ctx.cacheDir,
      resumeFrom: job.resumeFrom,
      workerScript: this.ctx.jobs.workerScript,
      ...(job.pauseAtFraction !== undefined ? { pauseAtFraction: job.pauseAtFraction } : {}),
    };
    const run: ActiveRun = {
      handle: this.ctx.jobs.start<TrainJobResult>({ kind: 'train', payload }, (event) => this.onEvent(id, run, event as TrainJobEvent)),
      pending: [],
      lastFlush: Date.now(),
      progress: 0,
      preparingSince: null,
    };
    this.active.set(id, run);
    run.handle.done
      .then((result) => {
        this.flush(id, run);
        if (result.status === 'finished') {
          if (result.test) {
            this.ctx.store.appendMetricValues(id, 'test', result.test, { step: result.step, samples: result.samplesSeen, wallTime: result.wallTime });
          }
          if (result.best) this.ctx.store.setRunBest(id, result.best);
          this.end(id, 'finished', null);
        } else if (!this.closing) {
          this.end(id, 'cancelled', null, result.paused);
        }
        // closing: left running for shutdown() to mark interrupted
      })
      .catch((err: unknown) => {
        this.flush(id, run);
        if (this.closing) return; // stopped with the process: shutdown() marks it interrupted
        const cancelled = err instanceof JobError && err.cancelled;
        this.end(id, cancelled ? 'cancelled' : 'failed', cancelled ? null : err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        this.active.delete(id);
        this.pump();
      });
  }

  private end(id: string, status: 'finished' | 'failed' | 'cancelled', error: string | null, paused = false): void {
    try {
      this.ctx.store.markRunEnded(id, status, error);
    } catch {
      // The run may have been deleted meanwhile; nothing left to record.
    }
    const waiters = this.endWaiters.get(id) ?? [];
    this.endWaiters.delete(id);
    for (const resolve of waiters) resolve({ status, error, paused });
    this.ctx.emit({ type: 'run-status', runId: id, status, error });
  }

  private onEvent(id: string, run: ActiveRun, event: TrainJobEvent): void {
    const store = this.ctx.store;
    switch (event.type) {
      case 'preparing': {
        const now = performance.now();
        run.preparingSince ??= now;
        const elapsedSeconds = (now - run.preparingSince) / 1000;
        this.ctx.emit({ type: 'run-preparing', runId: id, fraction: event.fraction, message: event.message, elapsedSeconds, etaSeconds: preparationEta(event.fraction, elapsedSeconds) });
        break;
      }
      case 'dataset':
        store.setRunDataset(id, event.description);
        break;
      case 'started':
        store.markRunStarted(id, { backend: event.backend, backendDetail: event.detail, paramCount: event.paramCount });
        this.ctx.emit({ type: 'run-status', runId: id, status: 'running', error: null });
        break;
      case 'progress': {
        run.progress = event.totalSteps > 0 ? event.step / event.totalSteps : 0;
        const at = { step: event.step, samples: event.samplesSeen, wallTime: event.wallTime };
        run.pending.push({ name: 'train/loss', ...at, value: event.loss }, { name: 'train/samples_per_sec', ...at, value: event.samplesPerSec }, { name: 'train/lr', ...at, value: event.lr });
        if (Date.now() - run.lastFlush >= FLUSH_INTERVAL_MS) this.flush(id, run);
        const { type: _job, lr: _lr, wallTime: _wallTime, ...progress } = event;
        this.ctx.emit({ type: 'run-progress', runId: id, ...progress });
        break;
      }
      case 'eval':
        this.flush(id, run);
        store.appendMetricValues(id, event.split, event.metrics, { step: event.step, samples: event.samplesSeen, wallTime: event.wallTime });
        if (event.split === 'valid') this.ctx.emit({ type: 'run-eval', runId: id, step: event.step, metrics: event.metrics });
        break;
      case 'checkpoint': {
        this.flush(id, run);
        // The trainer keeps only the newest checkpoints on disk; drop the records of pruned ones.
        for (const artifact of store.listArtifacts(id)) {
          if (artifact.kind === 'checkpoint' && !existsSync(store.artifactAbsolutePath(artifact.path))) store.removeArtifact(id, artifact.path);
        }
        store.addArtifact(id, { kind: 'checkpoint', path: event.path, bytes: event.bytes, step: event.step });
        break;
      }
      case 'phases': {
        // one series per phase: 'phase/lookup' ... in milliseconds per step (the run page stacks them)
        const at = { step: event.step, samples: event.samplesSeen, wallTime: event.wallTime };
        for (const [phase, ms] of Object.entries(event.phases)) run.pending.push({ name: `phase/${phase}`, ...at, value: ms });
        break;
      }
      case 'artifact':
        store.addArtifact(id, { kind: event.kind, path: event.path, bytes: event.bytes, step: event.step });
        break;
    }
  }

  private flush(id: string, run: ActiveRun): void {
    run.lastFlush = Date.now();
    if (run.pending.length === 0) return;
    const points = run.pending;
    run.pending = [];
    try {
      this.ctx.store.appendMetrics(id, points, run.progress);
    } catch {
      // Deleted while running: the worker is being cancelled; drop the points.
    }
  }
}

function defaultRunName(input: StartRunInput): string {
  const model = input.model.preset ?? input.model.kind;
  const data =
    input.dataset.kind === 'synthetic'
      ? `synthetic ${formatCount(input.dataset.rows)}`
      : input.dataset.kind === 'file'
        ? baseName(input.dataset.path)
        : baseName(input.dataset.train);
  return `${model} · ${data} · ${randomBytes(2).toString('hex')}`;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function formatCount(n: number): string {
  return n >= 1_000_000 ? `${+(n / 1_000_000).toFixed(1)}M` : n >= 1000 ? `${+(n / 1000).toFixed(1)}k` : String(n);
}

export function runMethods(ctx: ServiceContext, manager: RunManager): MethodHandlers {
  const store = ctx.store;
  return {
    'runs.list': (input) => store.listRuns(parseRunQuery(input)),
    'runs.get': (input) => store.getRun(parseIdInput(input).id),
    'runs.metrics': (input) => {
      const { ids, o } = parseIdsInput(input, ['names', 'maxPoints']);
      const query: { ids: string[]; names?: string[]; maxPoints?: number } = { ids };
      if (o['names'] !== undefined) query.names = array(o['names'], 'names', (v, f) => string(v, f, { min: 1, max: 100 }), { max: 100 });
      query.maxPoints = o['maxPoints'] === undefined ? 1000 : integer(o['maxPoints'], 'maxPoints', 2, 100_000);
      return store.getMetrics(query);
    },
    'runs.start': (input) => ({ id: manager.start(parseStartRunInput(input, ctx.paths)) }),
    'runs.cancel': (input) => {
      manager.cancel(parseIdInput(input).id);
      return { ok: true };
    },
    'runs.resume': (input) => {
      const { id } = parseIdInput(input);
      // the stored paths meet this door's rules again (an imported run may name any path)
      recheckDatasetPaths(store.getRun(id).config.dataset, ctx.paths);
      return { id: manager.resume(id) };
    },
    'runs.update': (input) => {
      const { id, ...changes } = parseUpdateRun(input);
      store.updateRun(id, changes);
      // A RunDetail is a RunSummary: one row read, not the whole runs list.
      const updated: RunSummary = store.getRun(id);
      return updated;
    },
    'runs.delete': (input) => {
      const { ids } = parseIdsInput(input);
      const busy = ids.filter((id) => manager.isBusy(id));
      if (busy.length > 0) throw new ApiError(`cancel these runs before deleting them: ${busy.join(', ')}`, 'conflict', 'ids');
      return { deleted: store.deleteRuns(ids) };
    },
    'runs.export': (input) => ({ json: store.exportRunsJson(parseIdsInput(input).ids) }),
    'runs.exportCsv': (input) => ({ csv: store.exportMetricsCsv(parseIdsInput(input).ids) }),
    'runs.import': (input) => {
      const o = object(input);
      onlyKeys(o, ['json']);
      const json = string(o['json'], 'json', { min: 2, max: 60 * 1024 * 1024 });
      return { ids: store.importRuns(json).ids };
    },
    'runs.compareModels': (input) => {
      const o = object(input);
      onlyKeys(o, ['base', 'models']);
      const base = parseStartRunInput(o['base'], ctx.paths);
      const models: ModelSpec[] = array(o['models'], 'models', (v, f) => parseModelSpec(v, f), { min: 1, max: 10 });
      // a thread count the caller did not give is each model's own default (small models take one)
      const threadsGiven = (o['base'] as { train?: { threads?: unknown } } | null)?.train?.threads !== undefined;
      const group = `cmp-${randomBytes(4).toString('hex')}`;
      const ids = models.map((model) =>
        manager.start({
          ...base,
          train: threadsGiven ? base.train : { ...base.train, threads: defaultTrainingThreads(model.kind) },
          model,
          group,
          name: `${model.preset ?? model.kind} (${group})`,
          tags: [...(base.tags ?? []), 'compare'],
        }),
      );
      return { group, ids };
    },
    'runs.compareCollaborative': (input) => {
      const o = object(input);
      onlyKeys(o, ['base', 'userField', 'itemField', 'models']);
      const base = parseStartRunInput(o['base'], ctx.paths);
      const userField = integer(o['userField'], 'userField', 0, 1000);
      const itemField = integer(o['itemField'], 'itemField', 0, 1000);
      if (userField === itemField) throw new ApiError('itemField: the user and the item must be two different fields', 'bad-request', 'itemField');
      const payload: CollaborativeCompareJobPayload = { input: { base, userField, itemField }, cacheDir: ctx.cacheDir };
      if (o['models'] !== undefined) {
        payload.input.models = array(o['models'], 'models', (v, field) => oneOf(v, field, ['user-knn', 'item-knn', 'als', 'als-implicit'] as const), { min: 1, max: 4 });
      }
      return ctx.jobs.start<CollaborativeCtrResult>({ kind: 'cf-compare', payload }, () => undefined).done;
    },
  };
}
