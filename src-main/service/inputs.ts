/**
 * Validators for every method's input: untrusted JSON in, typed input out, or an ApiError naming the
 * field. The doors call nothing else; the engine receives only values that passed here.
 */
import { checkCompressionFields, parseCompression } from './memory';
import type {
  DatasetSpec,
  EarlyStoppingSpec,
  FeatureImportanceInput,
  HeatmapInput,
  ModelSpec,
  NeighborsInput,
  OptimizerSpec,
  ProjectionInput,
  RecommendInput,
  RunQuery,
  RunStatus,
  StartRunInput,
  TrainSpec,
  BackendName,
  CategoryEncodingSpec,
  ModelKind,
} from './contract';
import {
  array,
  badRequest,
  id,
  integer,
  number,
  object,
  onlyKeys,
  oneOf,
  optionalNumber,
  optionalString,
  string,
  type Json,
} from './validate';
import { defaultTrainingThreads } from '../engine/train/threads';
import { cliPathPolicy, policyPath, type PathPolicy } from './paths';

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted'];
export const BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
const ARCH_PATTERN = /^(\d+(-\d+)*)?$/;
/**
 * A file path from the user: no NUL bytes, bounded length, absolute (the tracker records absolute
 * paths), and allowed by the door's policy (paths.ts; default: the CLI's). The engine reports
 * missing files itself.
 */
export function filePath(value: unknown, field: string, policy: PathPolicy = cliPathPolicy()): string {
  return policyPath(value, field, policy);
}

export function parseModelSpec(value: unknown, field = 'model'): ModelSpec {
  const o = object(value, field);
  onlyKeys(o, ['kind', 'preset', 'embeddingDim', 'bottomMlp', 'topMlp', 'interaction', 'hashSize', 'crossLayers', 'userField', 'itemField', 'compression', 'tablePrecision', 'pooling', 'sparseMlp'], field);
  const spec: ModelSpec = {
    kind: oneOf(o['kind'], `${field}.kind`, ['dlrm', 'dcn', 'fm', 'lr', 'mf'] as const),
    embeddingDim: integer(o['embeddingDim'], `${field}.embeddingDim`, 1, 1024),
    bottomMlp: string(o['bottomMlp'] ?? '', `${field}.bottomMlp`, { max: 200, pattern: ARCH_PATTERN }),
    topMlp: string(o['topMlp'] ?? '', `${field}.topMlp`, { max: 200, pattern: ARCH_PATTERN }),
    interaction: oneOf(o['interaction'] ?? 'dot', `${field}.interaction`, ['dot', 'dot-self', 'cat'] as const),
    hashSize: integer(o['hashSize'], `${field}.hashSize`, 1, 50_000_000),
  };
  const preset = optionalString(o['preset'], `${field}.preset`, { max: 64 });
  if (preset !== undefined) spec.preset = preset;
  const cross = optionalNumber(o['crossLayers'], `${field}.crossLayers`, { min: 0, max: 16, integer: true });
  if (cross !== undefined) spec.crossLayers = cross;
  const userField = optionalNumber(o['userField'], `${field}.userField`, { min: 0, max: 25, integer: true });
  if (userField !== undefined) spec.userField = userField;
  const itemField = optionalNumber(o['itemField'], `${field}.itemField`, { min: 0, max: 25, integer: true });
  if (itemField !== undefined) spec.itemField = itemField;
  if (o['compression'] !== undefined) spec.compression = parseCompression(o['compression'], `${field}.compression`);
  if (o['tablePrecision'] !== undefined) spec.tablePrecision = oneOf(o['tablePrecision'], `${field}.tablePrecision`, ['fp32', 'fp16', 'bf16'] as const);
  if (o['pooling'] !== undefined) spec.pooling = oneOf(o['pooling'], `${field}.pooling`, ['sum', 'mean', 'max'] as const);
  if (o['sparseMlp'] !== undefined) spec.sparseMlp = string(o['sparseMlp'], `${field}.sparseMlp`, { max: 200, pattern: ARCH_PATTERN });
  checkCompressionFields(spec, field);
  return spec;
}

export function parseOptimizerSpec(value: unknown, field = 'optimizer'): OptimizerSpec {
  const o = object(value, field);
  onlyKeys(o, ['dense', 'sparse', 'learningRate', 'sparseLearningRate', 'weightDecay', 'warmupSteps', 'decay'], field);
  const spec: OptimizerSpec = {
    dense: oneOf(o['dense'], `${field}.dense`, ['sgd', 'adagrad', 'adam'] as const),
    sparse: oneOf(o['sparse'], `${field}.sparse`, ['sgd', 'rowwise-adagrad'] as const),
    learningRate: number(o['learningRate'], `${field}.learningRate`, { min: 1e-7, max: 100 }),
    warmupSteps: integer(o['warmupSteps'] ?? 0, `${field}.warmupSteps`, 0, 10_000_000),
    decay: oneOf(o['decay'] ?? 'none', `${field}.decay`, ['none', 'linear', 'cosine', 'step'] as const),
  };
  const sparseRate = optionalNumber(o['sparseLearningRate'], `${field}.sparseLearningRate`, { min: 1e-7, max: 100 });
  if (sparseRate !== undefined) spec.sparseLearningRate = sparseRate;
  const weightDecay = optionalNumber(o['weightDecay'], `${field}.weightDecay`, { min: 0, max: 10 });
  if (weightDecay !== undefined && weightDecay > 0) spec.weightDecay = weightDecay;
  return spec;
}

/**
 * Holds the data paths of a stored dataset spec to a door's rules again (before a resume: an
 * imported run may name any path). Throws the same ApiError as a new request would get.
 */
export function recheckDatasetPaths(spec: DatasetSpec, policy: PathPolicy, field = 'dataset'): void {
  if (spec.kind === 'file') filePath(spec.path, `${field}.path`, policy);
  else if (spec.kind === 'files') {
    filePath(spec.train, `${field}.train`, policy);
    filePath(spec.test, `${field}.test`, policy);
    if (spec.valid !== undefined) filePath(spec.valid, `${field}.valid`, policy);
  }
}

export function parseDatasetSpec(value: unknown, field = 'dataset', policy: PathPolicy = cliPathPolicy()): DatasetSpec {
  const o = object(value, field);
  const kind = oneOf(o['kind'], `${field}.kind`, ['synthetic', 'file', 'files'] as const);
  let spec: DatasetSpec;
  if (kind === 'synthetic') {
    onlyKeys(o, ['kind', 'rows', 'seed', 'categories'], field);
    spec = { kind, rows: integer(o['rows'], `${field}.rows`, 1000, 50_000_000), seed: integer(o['seed'] ?? 1, `${field}.seed`, 0, 2 ** 31 - 1) };
  } else if (kind === 'file') {
    onlyKeys(o, ['kind', 'path', 'split', 'validFraction', 'testFraction', 'categories'], field);
    spec = {
      kind,
      path: filePath(o['path'], `${field}.path`, policy),
      split: oneOf(o['split'] ?? 'days7', `${field}.split`, ['days7', 'random'] as const),
    };
    const valid = optionalNumber(o['validFraction'], `${field}.validFraction`, { min: 0.001, max: 0.5 });
    const test = optionalNumber(o['testFraction'], `${field}.testFraction`, { min: 0.001, max: 0.5 });
    if (valid !== undefined) spec.validFraction = valid;
    if (test !== undefined) spec.testFraction = test;
  } else {
    onlyKeys(o, ['kind', 'train', 'valid', 'test', 'categories'], field);
    spec = { kind, train: filePath(o['train'], `${field}.train`, policy), test: filePath(o['test'], `${field}.test`, policy) };
    if (o['valid'] !== undefined) spec.valid = filePath(o['valid'], `${field}.valid`, policy);
  }
  if (o['categories'] !== undefined) spec.categories = parseCategoryEncoding(o['categories'], `${field}.categories`);
  return spec;
}

function parseCategoryEncoding(value: unknown, field: string): CategoryEncodingSpec {
  const o = object(value, field);
  onlyKeys(o, ['encoding', 'minCount'], field);
  const encoding = oneOf(o['encoding'], `${field}.encoding`, ['hash', 'vocab'] as const);
  if (encoding === 'hash') {
    if (o['minCount'] !== undefined) throw badRequest(`${field}.minCount`, 'applies to the vocab encoding only');
    return { encoding };
  }
  return { encoding, minCount: integer(o['minCount'] ?? 1, `${field}.minCount`, 1, 1_000_000_000) };
}

/**
 * @param modelKind the run's model kind, which picks the default thread count (see
 *   engine/train/threads.ts) when the input names none.
 */
export function parseTrainSpec(value: unknown, field = 'train', modelKind?: ModelKind): TrainSpec {
  const o = object(value, field);
  onlyKeys(o, ['batchSize', 'epochs', 'evalEvery', 'seed', 'backend', 'maxBadRowShare', 'checkpointEvery', 'threads', 'hybridWorkers', 'hybridMemoryBudgetBytes', 'earlyStopping', 'shuffleWindow'], field);
  const spec: TrainSpec = {
    batchSize: integer(o['batchSize'], `${field}.batchSize`, 1, 65_536),
    epochs: number(o['epochs'], `${field}.epochs`, { min: 0.001, max: 1000 }),
    evalEvery: integer(o['evalEvery'] ?? 0, `${field}.evalEvery`, 0, 100_000_000),
    seed: integer(o['seed'] ?? 1, `${field}.seed`, 0, 2 ** 31 - 1),
    maxBadRowShare: number(o['maxBadRowShare'] ?? 0.01, `${field}.maxBadRowShare`, { min: 0, max: 1 }),
    checkpointEvery: integer(o['checkpointEvery'] ?? 0, `${field}.checkpointEvery`, 0, 100_000_000),
  };
  if (o['backend'] !== undefined) spec.backend = oneOf(o['backend'], `${field}.backend`, BACKENDS);
  spec.threads = o['threads'] !== undefined ? (integer(o['threads'], `${field}.threads`, 1, 2) as 1 | 2) : defaultTrainingThreads(modelKind);
  if (o['hybridWorkers'] !== undefined && o['hybridWorkers'] !== 0) spec.hybridWorkers = integer(o['hybridWorkers'], `${field}.hybridWorkers`, 1, 64);
  if (o['hybridMemoryBudgetBytes'] !== undefined) spec.hybridMemoryBudgetBytes = number(o['hybridMemoryBudgetBytes'], `${field}.hybridMemoryBudgetBytes`, { min: 1, max: 2 ** 50 });
  if (o['earlyStopping'] !== undefined) spec.earlyStopping = parseEarlyStopping(o['earlyStopping'], `${field}.earlyStopping`);
  if (o['shuffleWindow'] !== undefined) spec.shuffleWindow = integer(o['shuffleWindow'], `${field}.shuffleWindow`, 1, 2 ** 31 - 1);
  return spec;
}

/** Early stopping: metric (logLoss or auc, default logLoss), patience in evaluations (1-1000, default 3), minDelta (0-1, default 0). */
export function parseEarlyStopping(value: unknown, field = 'train.earlyStopping'): EarlyStoppingSpec {
  const o = object(value, field);
  onlyKeys(o, ['metric', 'patience', 'minDelta'], field);
  return {
    metric: oneOf(o['metric'] ?? 'logLoss', `${field}.metric`, ['logLoss', 'auc'] as const),
    patience: integer(o['patience'] ?? 3, `${field}.patience`, 1, 1000),
    minDelta: number(o['minDelta'] ?? 0, `${field}.minDelta`, { min: 0, max: 1 }),
  };
}

function tags(value: unknown, field: string): string[] {
  return array(value, field, (v, f) => string(v, f, { min: 1, max: 64 }), { max: 50 });
}

/** `policy`: which data-file paths the calling door may give (default: the CLI's). */
export function parseStartRunInput(value: unknown, policy: PathPolicy = cliPathPolicy()): StartRunInput {
  const o = object(value);
  onlyKeys(o, ['name', 'tags', 'model', 'optimizer', 'dataset', 'train', 'group']);
  const model = parseModelSpec(o['model']);
  const input: StartRunInput = {
    model,
    optimizer: parseOptimizerSpec(o['optimizer']),
    dataset: parseDatasetSpec(o['dataset'], 'dataset', policy),
    train: parseTrainSpec(o['train'], 'train', model.kind),
  };
  const name = optionalString(o['name'], 'name', { max: 200 });
  if (name !== undefined) input.name = name;
  if (o['tags'] !== undefined) input.tags = tags(o['tags'], 'tags');
  if (o['group'] !== undefined) input.group = id(o['group'], 'group');
  return input;
}

export function parseRunQuery(value: unknown): RunQuery {
  const o: Json = value === undefined || value === null ? {} : object(value);
  onlyKeys(o, ['text', 'status', 'tag', 'limit']);
  const query: RunQuery = {};
  const text = optionalString(o['text'], 'text', { max: 200 });
  if (text !== undefined) query.text = text;
  if (o['status'] !== undefined) query.status = array(o['status'], 'status', (v, f) => oneOf(v, f, RUN_STATUSES), { max: 6 });
  const tag = optionalString(o['tag'], 'tag', { max: 64 });
  if (tag !== undefined) query.tag = tag;
  const limit = optionalNumber(o['limit'], 'limit', { min: 1, max: 100_000, integer: true });
  if (limit !== undefined) query.limit = limit;
  return query;
}

export function parseIdInput(value: unknown): { id: string } {
  const o = object(value);
  onlyKeys(o, ['id']);
  return { id: id(o['id']) };
}

export function parseIdsInput(value: unknown, extra: readonly string[] = []): { ids: string[]; o: Json } {
  const o = object(value);
  onlyKeys(o, ['ids', ...extra]);
  return { ids: array(o['ids'], 'ids', (v, f) => id(v, f), { min: 1, max: 1000 }), o };
}

export function parseUpdateRun(value: unknown): { id: string; name?: string; tags?: string[]; notes?: string } {
  const o = object(value);
  onlyKeys(o, ['id', 'name', 'tags', 'notes']);
  const out: { id: string; name?: string; tags?: string[]; notes?: string } = { id: id(o['id']) };
  const name = optionalString(o['name'], 'name', { min: 1, max: 200 });
  if (name !== undefined) out.name = name;
  if (o['tags'] !== undefined) out.tags = tags(o['tags'], 'tags');
  const notes = optionalString(o['notes'], 'notes', { max: 100_000 });
  if (notes !== undefined) out.notes = notes;
  return out;
}

function table(value: unknown, field = 'table'): number {
  return integer(value, field, -1, 25);
}

export function parseProjectionInput(value: unknown): ProjectionInput {
  const o = object(value);
  onlyKeys(o, ['runId', 'table', 'method', 'dims', 'maxPoints', 'subset', 'perplexity', 'learningRate', 'iterations', 'neighbors', 'minDist', 'seed']);
  const input: ProjectionInput = {
    runId: id(o['runId'], 'runId'),
    table: table(o['table']),
    method: oneOf(o['method'], 'method', ['pca', 'tsne', 'umap'] as const),
    dims: integer(o['dims'] ?? 2, 'dims', 2, 3) as 2 | 3,
    maxPoints: integer(o['maxPoints'] ?? 5000, 'maxPoints', 10, 200_000),
  };
  if (o['subset'] !== undefined) input.subset = array(o['subset'], 'subset', (v, f) => integer(v, f, 0, 2 ** 31 - 1), { min: 2, max: 200_000 });
  const optional = {
    perplexity: optionalNumber(o['perplexity'], 'perplexity', { min: 2, max: 200 }),
    learningRate: optionalNumber(o['learningRate'], 'learningRate', { min: 0.1, max: 10_000 }),
    iterations: optionalNumber(o['iterations'], 'iterations', { min: 10, max: 10_000, integer: true }),
    neighbors: optionalNumber(o['neighbors'], 'neighbors', { min: 2, max: 200, integer: true }),
    minDist: optionalNumber(o['minDist'], 'minDist', { min: 0, max: 1 }),
    seed: optionalNumber(o['seed'], 'seed', { min: 0, max: 2 ** 31 - 1, integer: true }),
  };
  for (const [key, v] of Object.entries(optional)) if (v !== undefined) (input as unknown as Json)[key] = v;
  return input;
}

export function parseNeighborsInput(value: unknown): NeighborsInput {
  const o = object(value);
  onlyKeys(o, ['runId', 'table', 'id', 'k', 'metric']);
  return {
    runId: id(o['runId'], 'runId'),
    table: table(o['table']),
    id: integer(o['id'], 'id', 0, 2 ** 31 - 1),
    k: integer(o['k'] ?? 10, 'k', 1, 1000),
    metric: oneOf(o['metric'] ?? 'cosine', 'metric', ['cosine', 'euclidean'] as const),
  };
}

export function parseHeatmapInput(value: unknown): HeatmapInput {
  const o = object(value);
  onlyKeys(o, ['runId', 'sampleRows', 'row']);
  const input: HeatmapInput = { runId: id(o['runId'], 'runId'), sampleRows: integer(o['sampleRows'] ?? 2000, 'sampleRows', 1, 200_000) };
  const row = optionalNumber(o['row'], 'row', { min: 0, max: 2 ** 31 - 1, integer: true });
  if (row !== undefined) input.row = row;
  return input;
}

export function parseImportanceInput(value: unknown): FeatureImportanceInput {
  const o = object(value);
  onlyKeys(o, ['runId', 'sampleRows']);
  return { runId: id(o['runId'], 'runId'), sampleRows: integer(o['sampleRows'] ?? 5000, 'sampleRows', 10, 1_000_000) };
}

export function parseRecommendInput(value: unknown): RecommendInput {
  const o = object(value);
  onlyKeys(o, ['runId', 'contextRow', 'edits', 'itemFeature', 'k']);
  const input: RecommendInput = {
    runId: id(o['runId'], 'runId'),
    contextRow: integer(o['contextRow'] ?? 0, 'contextRow', 0, 2 ** 31 - 1),
    itemFeature: integer(o['itemFeature'], 'itemFeature', 0, 25),
    k: integer(o['k'] ?? 10, 'k', 1, 500),
  };
  if (o['edits'] !== undefined) {
    const edits = object(o['edits'], 'edits');
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(edits)) {
      if (!/^(I([1-9]|1[0-3])|C([1-9]|1\d|2[0-6]))$/.test(key)) throw badRequest(`edits.${key}`, 'is not a feature name (I1..I13, C1..C26)');
      out[key] = string(v, `edits.${key}`, { max: 32 });
    }
    input.edits = out;
  }
  return input;
}
