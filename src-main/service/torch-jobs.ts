/**
 * torch.distributed jobs: export a run (or a configuration) as a job folder, and follow a job's
 * metrics log as a tracked run (live while it trains, or later from a copied output folder); when
 * the job finishes, its weights are imported as the run's model so Explore and scoring work on it.
 * Stopping the follower (Ctrl+C in `follow-job`) leaves the job alone and the run 'interrupted';
 * following the same folder again with the run's id re-reads the log into that run.
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

  /**
   * Starts following the job in dir (a job folder or a copy of its output folder); returns the run's id.
   * @param runId an interrupted run that followed this job before: its metrics are cleared and the
   *   whole log is read into it again (the log is append-only, so nothing is lost or doubled).
   */
  follow(dir: string, name?: string, runId?: string): string {
    const config = readJobConfig(dir);
    const outputDir = jobOutputFolder(dir);
    if (runId !== undefined) return this.followAgain(runId, config, outputDir);
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
    this.startPolling(id, config, outputDir);
    return id;
  }

  private followAgain(id: string, config: TorchJobConfig, outputDir: string): string {
    const run = this.ctx.store.getRun(id);
    if (this.followed.has(id)) throw new ApiError(`run ${id} is already being followed`, 'conflict', 'runId');
    if (run.status !== 'interrupted') throw new ApiError(`run ${id} is ${run.status}; only an interrupted run can follow its job again`, 'conflict', 'runId');
    if (!run.tags.includes('torch.distributed') || JSON.stringify(run.config.model) !== JSON.stringify(config.model)) {
      throw new ApiError(`run ${id} was not following this job (its model differs from the job's)`, 'bad-request', 'runId');
    }
    // back to queued with every metric point dropped (no checkpoint): the log is read from its first line
    this.ctx.store.prepareResume(id);
    this.ctx.emit({ type: 'run-status', runId: id, status: 'queued', error: null });
    this.startPolling(id, config, outputDir);
    return id;
  }

  private startPolling(id: string, config: TorchJobConfig, outputDir: string): void {
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
  }

  isFollowing(id: string): boolean {
    return this.followed.has(id);
  }

  /**
   * Stops following every job (Ctrl+C in follow-job, a stop signal): what the log holds so far is
   * read, and each run not ended becomes 'interrupted', saying how to follow it again. The jobs
   * themselves keep running. A run whose weights are being imported is left to finish.
   * @returns the ids of the runs interrupted.
   */
  interrupt(): string[] {
    return [...this.followed.keys()].filter((id) => this.stopFollowing(id));
  }

  /**
   * Stops following one run's job (runs.cancel on a followed run, or interrupt()): as interrupt(), for one run.
   * @returns false when this run is not followed (or its job ended meanwhile).
   */
  stopFollowing(id: string): boolean {
    const state = this.followed.get(id);
    if (!state || state.ended) return false;
    this.poll(state);
    if (state.ended) return false;
    state.ended = true;
    clearInterval(state.timer);
    this.followed.delete(state.id);
    const error = `stopped following the job after line ${state.lineNumber} of ${state.log} (the job itself was not stopped); follow it again into this run: node out/main/cli.js follow-job --dir ${state.outputDir} --run ${state.id}`;
    try {
      this.ctx.store.markRunInterrupted(state.id, error);
    } catch {
      return false; // deleted meanwhile
    }
    this.ctx.emit({ type: 'run-status', runId: state.id, status: 'interrupted', error });
    return true;
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
      onlyKeys(o, ['dir', 'name', 'runId']);
      const dir = policyPath(o['dir'], 'dir', ctx.paths);
      if (!existsSync(dir)) throw new ApiError(`dir: no folder at ${dir}`, 'bad-request', 'dir');
      const name = o['name'] === undefined ? undefined : string(o['name'], 'name', { min: 1, max: 200 });
      const runId = o['runId'] === undefined ? undefined : string(o['runId'], 'runId', { min: 1, max: 100 });
      if (name !== undefined && runId !== undefined) throw new ApiError('give name or runId, not both (a run followed again keeps its name)', 'bad-request', 'name');
      return { id: follower.follow(dir, name, runId) };
    },
  };
}
