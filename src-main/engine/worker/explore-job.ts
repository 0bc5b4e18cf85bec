/**
 * The 'explore' job: loads a trained run (model, feature statistics, its validation rows) and
 * answers one explore request (projection, neighbours, heatmap, importance, recommendations).
 * Runs in a worker because t-SNE/UMAP take seconds to minutes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  CrossLayersResult,
  DatasetSpec,
  FeatureImportance,
  FeatureImportanceInput,
  HeatmapInput,
  HeatmapResult,
  Neighbor,
  NeighborsInput,
  ProjectionInput,
  ProjectionPoint,
  ProjectionResult,
  Recommendation,
  RecommendInput,
} from '../../domain';
import {
  defaultSyntheticWorld,
  FeatureStats,
  MISSING_CATEGORY,
  plantedGroup,
  prepareDataset,
  preprocessFieldText,
  Preprocessor,
  type PreparedSplit,
  type PreprocessingState,
} from '../data';
import type { Batch } from '../data/types';
import { initBackend } from '../backend';
import { loadModel } from '../train';
import { asExplainable, DeepCrossNetwork, FactorizationMachine, type CtrModel, type ExplainableModel } from '../model';
import {
  batchFromSplitRows,
  bottomOutputs,
  featureRemovalImportance,
  interactionHeatmap,
  nearestNeighbors,
  gatherRows,
  projectPoints,
  recommendItems,
  sampleRowsByFrequency,
  rowInteractionHeatmap,
} from '../explore';
import type { JobContext } from './protocol';
import { RUN_FILES } from '../../domain';

export type ExploreRequest =
  | { op: 'crossLayers'; input: { runId: string } }
  | { op: 'project'; input: ProjectionInput }
  | { op: 'neighbors'; input: NeighborsInput }
  | { op: 'heatmap'; input: HeatmapInput }
  | { op: 'importance'; input: FeatureImportanceInput }
  | { op: 'recommend'; input: RecommendInput };

export type ExplorePayload = ExploreRequest & { runDir: string; cacheDir: string };

interface SavedPreprocessing {
  dataset: DatasetSpec;
  preprocessing: PreprocessingState;
}

/** Everything a request may need from a trained run; data is loaded only when asked for. */
class RunContext {
  readonly saved: SavedPreprocessing;
  readonly stats: FeatureStats;
  private validRows: PreparedSplit | null = null;
  private readonly explainable: ExplainableModel | null;

  constructor(
    readonly trained: CtrModel,
    private readonly payload: ExplorePayload,
    private readonly signal: AbortSignal,
  ) {
    this.explainable = asExplainable(trained);
    this.saved = JSON.parse(readFileSync(join(payload.runDir, RUN_FILES.preprocessing), 'utf8')) as SavedPreprocessing;
    const world = this.saved.dataset.kind === 'synthetic' ? defaultSyntheticWorld() : null;
    this.stats = FeatureStats.readFile(join(payload.runDir, RUN_FILES.stats), world ? (f, raw) => plantedGroup(world, f, raw) : null);
  }

  /** The first `count` rows of the run's validation split (what the model did not train on). */
  async validation(count: number): Promise<PreparedSplit> {
    if (!this.validRows || this.validRows.numRows < count) {
      const { preprocessing } = this.saved;
      const prepared = await prepareDataset(this.saved.dataset, {
        cacheDir: this.payload.cacheDir,
        hashSize: preprocessing.hashSize,
        categorical: preprocessing.categorical,
        minCount: preprocessing.minCount,
        signal: this.signal,
      });
      this.validRows = prepared.valid.readRows(0, Math.min(count, prepared.valid.numRows));
    }
    return this.validRows;
  }

  async validationBatches(count: number, batchSize = 4096): Promise<Batch[]> {
    const split = await this.validation(count);
    const batches: Batch[] = [];
    for (let start = 0; start < split.numRows; start += batchSize) {
      const rows = Array.from({ length: Math.min(batchSize, split.numRows - start) }, (_, i) => start + i);
      batches.push(batchFromSplitRows(split, rows));
    }
    return batches;
  }

  /** The model as the DLRM explore views read it; other kinds get a clear refusal. */
  get model(): ExplainableModel {
    if (!this.explainable) throw new Error(`this view reads DLRM runs; this run trained a ${this.trained.kind} model`);
    return this.explainable;
  }

  countsOf(feature: number): Int32Array {
    const size = this.model.tableSizes[feature]!;
    const counts = new Int32Array(size);
    for (let row = 0; row < size; row++) counts[row] = this.stats.rowInfo(feature, row).count;
    return counts;
  }
}

function featureName(index: number): string {
  return index < 0 ? 'dense' : `C${index + 1}`;
}

async function project(run: RunContext, input: ProjectionInput, ctx: JobContext): Promise<ProjectionResult> {
  // Points first (ids and what the data says of them), then the layout, so that intermediate
  // t-SNE/UMAP layouts can be streamed with their metadata.
  let points: ProjectionPoint[];
  let vectors: Float32Array;
  if (input.table >= 0) {
    if (input.table >= run.model.numFeatures) throw new Error(`table ${input.table} does not exist (the model has ${run.model.numFeatures})`);
    const ids = input.subset ? Int32Array.from(input.subset) : sampleRowsByFrequency(run.countsOf(input.table), input.maxPoints);
    vectors = gatherRows(run.model.table(input.table), run.model.embeddingDim, ids);
    points = Array.from(ids, (id) => {
      const info = run.stats.rowInfo(input.table, id);
      return { id, coords: [], value: info.value, count: info.count, ctr: info.ctr, group: info.group };
    });
  } else {
    // Bottom-MLP outputs of sampled validation rows: one point per row, labelled by its click.
    const split = await run.validation(input.maxPoints);
    const ids = input.subset ?? Array.from({ length: split.numRows }, (_, i) => i);
    const batch = batchFromSplitRows(split, ids);
    vectors = bottomOutputs(run.model, batch);
    points = ids.map((id, i) => ({ id, coords: [], value: null, count: 1, ctr: batch.labels[i]!, group: null }));
  }
  if (points.length < 2) throw new Error('fewer than 2 points to project: this table has no rows seen in the data');
  const withCoords = (coords: Float32Array): ProjectionPoint[] =>
    points.map((p, i) => ({ ...p, coords: Array.from(coords.subarray(i * input.dims, (i + 1) * input.dims)) }));
  let lastFrame = performance.now();
  const projected = await projectPoints(vectors, points.length, run.model.embeddingDim, {
    method: input.method,
    dims: input.dims,
    signal: ctx.signal,
    onProgress: (fraction: number, coords: Float32Array) => {
      ctx.emit({ type: 'progress', fraction, message: `${input.method} ${Math.round(fraction * 100)}%` });
      const now = performance.now();
      if (input.method !== 'pca' && fraction < 1 && now - lastFrame >= 1000 && points.length <= 20_000) {
        lastFrame = now;
        ctx.emit({ type: 'frame', fraction, points: withCoords(coords) });
      }
    },
    ...(input.perplexity !== undefined ? { perplexity: input.perplexity } : {}),
    ...(input.learningRate !== undefined ? { learningRate: input.learningRate } : {}),
    ...(input.iterations !== undefined ? { iterations: input.iterations } : {}),
    ...(input.neighbors !== undefined ? { neighbors: input.neighbors } : {}),
    ...(input.minDist !== undefined ? { minDist: input.minDist } : {}),
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
  });
  return {
    runId: '',
    table: input.table,
    method: input.method,
    dims: input.dims,
    points: withCoords(projected.coords),
    explainedVariance: projected.explainedVariance,
    millis: projected.millis,
  };
}

function neighbors(run: RunContext, input: NeighborsInput): Neighbor[] {
  if (input.table < 0) throw new Error('neighbours are computed in an embedding table (C1..C26), not the bottom-MLP sample');
  const D = run.model.embeddingDim;
  const table = run.model.table(input.table);
  if (input.id >= table.length / D) throw new Error(`row ${input.id} is outside table C${input.table + 1}`);
  return nearestNeighbors(table, D, input.id, input.k, input.metric).map((hit) => {
    const info = run.stats.rowInfo(input.table, hit.id);
    return { id: hit.id, distance: hit.distance, value: info.value, count: info.count };
  });
}

async function heatmap(run: RunContext, input: HeatmapInput): Promise<HeatmapResult> {
  const trained = run.trained;
  if (trained instanceof FactorizationMachine) {
    // FM's second-order term is the sum over pairs of <v_i, v_j>: each pair's mean dot is its mean
    // contribution to the logit, so it fills both views.
    const batches =
      input.row !== undefined ? [batchFromSplitRows(await run.validation(input.row + 1), [input.row])] : await run.validationBatches(input.sampleRows);
    const strengths = trained.interactionStrengths(batches);
    const prediction = input.row !== undefined ? trained.predict(batches[0]!)[0]! : null;
    return {
      runId: '',
      labels: strengths.labels,
      meanDot: strengths.meanDot,
      meanAbsDot: strengths.meanAbsDot,
      contribution: strengths.meanDot,
      rows: strengths.rows,
      prediction,
      label: input.row !== undefined ? batches[0]!.labels[0]! : null,
    };
  }
  if (input.row !== undefined) {
    const split = await run.validation(input.row + 1);
    if (input.row >= split.numRows) throw new Error(`row ${input.row} is outside the validation split (${split.numRows} rows)`);
    const single = rowInteractionHeatmap(run.model, batchFromSplitRows(split, [input.row]), 0);
    return { runId: '', ...single, rows: 1 };
  }
  const result = interactionHeatmap(run.model, await run.validationBatches(input.sampleRows));
  return { runId: '', ...result, prediction: null, label: null };
}

async function importance(run: RunContext, input: FeatureImportanceInput): Promise<FeatureImportance[]> {
  const preprocessor = Preprocessor.fromJSON(run.saved.preprocessing);
  const missingRows = Array.from({ length: run.model.numFeatures }, (_, f) => preprocessor.categoryRow(f, MISSING_CATEGORY));
  const result = featureRemovalImportance(run.model, await run.validationBatches(input.sampleRows), { missingRows });
  return result.features.map((f) => ({ feature: featureName(f.index), aucDrop: f.aucDrop, logLossIncrease: f.logLossIncrease }));
}

async function recommend(run: RunContext, input: RecommendInput): Promise<Recommendation[]> {
  const split = await run.validation(input.contextRow + 1);
  if (input.contextRow >= split.numRows) throw new Error(`row ${input.contextRow} is outside the validation split (${split.numRows} rows)`);
  const context = batchFromSplitRows(split, [input.contextRow]);
  if (input.edits) {
    const preprocessor = Preprocessor.fromJSON(run.saved.preprocessing);
    for (const [field, text] of Object.entries(input.edits)) {
      const edit = preprocessFieldText(preprocessor, field, text);
      if (edit.kind === 'dense') context.dense[edit.index] = edit.value;
      else context.sparse.values[edit.index] = edit.row;
    }
  }
  const candidates = run.stats.topRows(input.itemFeature, 5000).map((info) => ({ row: info.row, count: info.count, clicks: info.clicks }));
  return recommendItems(run.model, context, input.itemFeature, candidates, { k: input.k }).map((item) => ({
    ...item,
    value: run.stats.rowInfo(input.itemFeature, item.itemRow).value,
  }));
}

function crossLayers(run: RunContext): CrossLayersResult {
  const trained = run.trained;
  if (!(trained instanceof DeepCrossNetwork)) throw new Error(`cross layers belong to DCN runs; this run trained a ${trained.kind} model`);
  const weights = trained.crossLayerWeights();
  return {
    runId: '',
    features: weights.segments.map((segment) => segment.label),
    weightNorms: weights.segmentWeightNorms,
    biasNorms: weights.layers.map((layer) => Math.hypot(...layer.bias)),
  };
}

export async function exploreJob(raw: unknown, ctx: JobContext): Promise<unknown> {
  const payload = raw as ExplorePayload;
  await initBackend();
  const { model } = loadModel(join(payload.runDir, RUN_FILES.model));
  try {
    const run = new RunContext(model, payload, ctx.signal);
    switch (payload.op) {
      case 'project':
        return await project(run, payload.input, ctx);
      case 'neighbors':
        return neighbors(run, payload.input);
      case 'heatmap':
        return await heatmap(run, payload.input);
      case 'importance':
        return await importance(run, payload.input);
      case 'recommend':
        return await recommend(run, payload.input);
      case 'crossLayers':
        return crossLayers(run);
    }
  } finally {
    model.dispose();
  }
}
