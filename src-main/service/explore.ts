/**
 * Explore methods: each request runs in a worker over the run's saved model, feature statistics and
 * validation rows. Projections report progress as job-progress events (jobId `explore:<runId>`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MethodHandlers, ServiceContext } from './context';
import type { ProjectionPoint } from './contract';
import type { ExplorePayload, ExploreRequest } from '../engine/worker/explore-job';
import { RUN_FILES } from '../domain';
import { ApiError, id, object, onlyKeys } from './validate';
import { parseHeatmapInput, parseImportanceInput, parseNeighborsInput, parseProjectionInput, parseRecommendInput } from './inputs';

function runExplore(ctx: ServiceContext, runId: string, request: ExploreRequest): Promise<unknown> {
  const run = ctx.store.getRun(runId);
  const runDir = ctx.store.runFolder(runId);
  const supported = request.op === 'heatmap' ? ['dlrm', 'fm'] : request.op === 'crossLayers' ? ['dcn'] : ['dlrm'];
  if (!supported.includes(run.modelKind)) {
    throw new ApiError(`this view reads ${supported.join(' and ')} runs; run ${runId} trained a ${run.modelKind} model`, 'conflict', 'runId');
  }
  if (!existsSync(join(runDir, RUN_FILES.model)) || !existsSync(join(runDir, RUN_FILES.stats))) {
    throw new ApiError(`run ${runId} has no trained model to explore (status: ${run.status})`, 'conflict', 'runId');
  }
  const payload: ExplorePayload = { ...request, runDir, cacheDir: ctx.cacheDir };
  const jobId = `explore:${runId}`;
  return ctx.jobs.start<unknown>({ kind: 'explore', payload }, (event) => {
    const e = event as { type?: string; fraction?: number; message?: string; points?: ProjectionPoint[] };
    if (e.type === 'progress') ctx.emit({ type: 'job-progress', jobId, fraction: e.fraction ?? 0, message: e.message ?? '' });
    else if (e.type === 'frame' && e.points) ctx.emit({ type: 'projection-frame', jobId, fraction: e.fraction ?? 0, points: e.points });
  }).done.then((result) => (result !== null && typeof result === 'object' && 'runId' in result ? { ...result, runId } : result));
}

export function exploreMethods(ctx: ServiceContext): MethodHandlers {
  return {
    'explore.project': (input) => {
      const parsed = parseProjectionInput(input);
      return runExplore(ctx, parsed.runId, { op: 'project', input: parsed });
    },
    'explore.neighbors': (input) => {
      const parsed = parseNeighborsInput(input);
      return runExplore(ctx, parsed.runId, { op: 'neighbors', input: parsed });
    },
    'explore.heatmap': (input) => {
      const parsed = parseHeatmapInput(input);
      return runExplore(ctx, parsed.runId, { op: 'heatmap', input: parsed });
    },
    'explore.importance': (input) => {
      const parsed = parseImportanceInput(input);
      return runExplore(ctx, parsed.runId, { op: 'importance', input: parsed });
    },
    'explore.crossLayers': (input) => {
      const o = object(input);
      onlyKeys(o, ['runId']);
      const runId = id(o['runId'], 'runId');
      return runExplore(ctx, runId, { op: 'crossLayers', input: { runId } });
    },
    'explore.recommend': (input) => {
      const parsed = parseRecommendInput(input);
      return runExplore(ctx, parsed.runId, { op: 'recommend', input: parsed });
    },
  };
}
