/**
 * torch.distributed jobs: export a run (or a configuration) as a job folder, and follow a job's
 * metrics log as a tracked run (live while it trains, or later from a copied output folder); when
 * the job finishes, its weights are imported as the run's model so Explore and scoring work on it.
 */
import { existsSync, closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricPoint } from '../store';
import type { ExportJobResult, StartRunInput, TorchJobConfig, TorchJobEvent } from './contract';
import type { MethodHandlers, ServiceContext } from './context';
import type { ExportTorchJobPayload, ImportTorchJobPayload } from '../engine/worker/torch-job-jobs';
import { jobOutputFolder, parseJobLogLine, readJobConfig, TORCH_JOB_FILES } from '../engine/train/torch-job/job-folder';
import { ApiError, array, integer, number, object, onlyKeys, string } from './validate';
import { parseStartRunInput } from './inputs';
import { policyPath } from './paths';

/** How often a followed log is read (ms). */
const POLL_MS = 250;

interface Followed {
  id: string;
  config: TorchJobConfig;
  outputDir: string;
  log: string;
  offset: number;
  partial: string;
  lineNumber: number;
  timer: ReturnType<typeof setInterval>;
  ended: boolean;
}

export class TorchJobFollower {
  private readonly followed = new Map<string, Followed>();

  constructor(private readonly ctx: ServiceContext) {}

  /** Starts following the job in dir (a job folder or a copy of its output folder); returns the new run's id. */
  follow(dir: string, name?: string): string {
    const config = readJobConfig(dir);
    const outputDir = jobOutputFolder(dir);
    const input: StartRunInput = {
      name: name ?? `${config.runName ?? config.model.preset ?? 'dlrm'} · torch.distributed ${config.plan.worldSize} ranks`,
      tags: ['torch.distributed'],
      model: config.model,
      optimizer: config.optimizer,
      dataset: config.dataset,
      train: config.train,
    };
    const id = this.ctx.store.createRun(input, { name: input.name ?? 'torch.distributed job' });
    this.ctx.store.ensureRunFolder(id);
    const state: Followed = {
      id,
      config,
      outputDir,
      log: join(outputDir, TORCH_JOB_FILES.log),
      offset: 0,
      partial: '',
      lineNumber: 0,
      ended: false,
      timer: setInterval(() => this.poll(state), POLL_MS),
    };
    this.followed.set(id, state);
    this.poll(state);
    return id;
  }

  isFollowing(id: string): boolean {
    return this.followed.has(id);
  }

  /** Stops following (the app closes); the runs stay as they are (running ones are interrupted by the store on the next start). */
  shutdown(): void {
    for (const state of this.followed.values()) clearInterval(state.timer);
    this.followed.clear();
  }

  private poll(state: Followed): void {
    if (state.ended || !existsSync(state.log)) return;
    const fd = openSync(state.log, 'r');
    let text = '';
    try {
      const size = fstatSync(fd).size;
      if (size <= state.offset) return;
      const buffer = Buffer.alloc(size - state.offset);
      const read = readSync(fd, buffer, 0, buffer.length, state.offset);
      state.offset += read;
      text = buffer.subarray(0, read).toString('utf8');
    } finally {
      closeSync(fd);
    }
    const lines = (state.partial + text).split('\n');
    state.partial = lines.pop() ?? '';
    const points: MetricPoint[] = [];
    let progress = 0;
    for (const line of lines) {
      state.lineNumber++;
      if (line.trim() === '' || state.ended) continue;
      let event: TorchJobEvent;
      try {
        event = parseJobLogLine(line, state.lineNumber, state.log);
      } catch (e) {
        this.end(state, 'failed', e instanceof Error ? e.message : String(e));
        break;
      }
      if (event.type === 'progress') {
        const at = { step: event.step, samples: event.samplesSeen, wallTime: event.wallTime };
        points.push({ name: 'train/loss', ...at, value: event.loss }, { name: 'train/samples_per_sec', ...at, value: event.samplesPerSec }, { name: 'train/lr', ...at, value: event.lr });
        progress = event.totalSteps > 0 ? event.step / event.totalSteps : 0;
        const { type: _type, lr: _lr, wallTime: _wallTime, ...rest } = event;
        this.ctx.emit({ type: 'run-progress', runId: state.id, ...rest });
        continue;
      }
      if (points.length > 0) this.flush(state, points.splice(0), progress);
      this.handle(state, event);
    }
    if (points.length > 0) this.flush(state, points, progress);
  }

  private flush(state: Followed, points: MetricPoint[], progress: number): void {
    try {
      this.ctx.store.appendMetrics(state.id, points, progress);
    } catch {
      // the run was deleted while followed
    }
  }

  private handle(state: Followed, event: Exclude<TorchJobEvent, { type: 'progress' }>): void {
    const store = this.ctx.store;
    switch (event.type) {
      case 'started':
        store.markRunStarted(state.id, { backend: event.backend, backendDetail: event.detail, paramCount: event.paramCount });
        this.ctx.emit({ type: 'run-status', runId: state.id, status: 'running', error: null });
        break;
      case 'eval':
        store.appendMetricValues(state.id, event.split, event.metrics, { step: event.step, samples: event.samplesSeen, wallTime: event.wallTime });
        if (event.split === 'valid') this.ctx.emit({ type: 'run-eval', runId: state.id, step: event.step, metrics: event.metrics });
        break;
      case 'failed':
        this.end(state, 'failed', `the job failed: ${event.error}`);
        break;
      case 'finished': {
        state.ended = true;
        clearInterval(state.timer);
        const payload: ImportTorchJobPayload = {
          outputDir: state.outputDir,
          config: state.config,
          files: event.weights,
          runDir: store.runFolder(state.id),
          trainedSteps: event.step,
          test: event.test,
        };
        this.ctx.jobs
          .start<{ path: string; bytes: number }>({ kind: 'import-torch-job', payload }, () => undefined)
          .done.then((saved) => {
            store.addArtifact(state.id, { kind: 'model', path: saved.path, bytes: saved.bytes, step: event.step });
            this.end(state, 'finished', null);
          })
          .catch((e: unknown) => this.end(state, 'failed', `the job finished but its weights could not be imported: ${e instanceof Error ? e.message : String(e)}`));
        break;
      }
    }
  }

  private end(state: Followed, status: 'finished' | 'failed', error: string | null): void {
    state.ended = true;
    clearInterval(state.timer);
    this.followed.delete(state.id);
    try {
      this.ctx.store.markRunEnded(state.id, status, error);
    } catch {
      // deleted meanwhile
    }
    this.ctx.emit({ type: 'run-status', runId: state.id, status, error });
  }
}

export function torchJobMethods(ctx: ServiceContext, follower: TorchJobFollower): MethodHandlers {
  return {
    'jobs.exportTorch': async (raw): Promise<ExportJobResult> => {
      const o = object(raw);
      onlyKeys(o, ['id', 'config', 'outDir', 'worldSize', 'tableOwner', 'memoryBudgetBytes']);
      if ((o['id'] === undefined) === (o['config'] === undefined)) throw new ApiError('give either id (a run to export) or config (a run configuration)', 'bad-request', 'id');
      const dir = policyPath(o['outDir'], 'outDir', ctx.paths);
      let input: StartRunInput;
      let runId: string | null = null;
      let runName: string | null = null;
      if (o['id'] !== undefined) {
        runId = string(o['id'], 'id', { min: 1, max: 100 });
        const run = ctx.store.getRun(runId);
        input = run.config;
        runName = run.name;
      } else {
        input = parseStartRunInput(o['config'], ctx.paths);
      }
      if (input.model.kind !== 'dlrm') throw new ApiError(`only DLRM runs can be exported as a torch.distributed job (this one is "${input.model.kind}")`, 'bad-request', 'id');
      const worldSize = o['worldSize'] === undefined ? 2 : integer(o['worldSize'], 'worldSize', 1, 4096);
      const payload: ExportTorchJobPayload = { input, runId, runName, dir, cacheDir: ctx.cacheDir, worldSize };
      if (o['tableOwner'] !== undefined) payload.tableOwner = array(o['tableOwner'], 'tableOwner', (v, f) => integer(v, f, 0, worldSize - 1), { max: 10_000 });
      if (o['memoryBudgetBytes'] !== undefined) payload.memoryBudgetBytes = number(o['memoryBudgetBytes'], 'memoryBudgetBytes', { min: 1 });
      return ctx.jobs.start<ExportJobResult>({ kind: 'export-torch-job', payload }, () => undefined).done;
    },
    'jobs.followTorch': (raw) => {
      const o = object(raw);
      onlyKeys(o, ['dir', 'name']);
      const dir = policyPath(o['dir'], 'dir', ctx.paths);
      if (!existsSync(dir)) throw new ApiError(`dir: no folder at ${dir}`, 'bad-request', 'dir');
      const name = o['name'] === undefined ? undefined : string(o['name'], 'name', { min: 1, max: 200 });
      return { id: follower.follow(dir, name) };
    },
  };
}
