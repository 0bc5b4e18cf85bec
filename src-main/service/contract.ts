/**
 * The one typed contract between every door (Electron IPC, web mode HTTP, CLI) and the service.
 *
 * Every operation takes ONE JSON-serialisable input object and returns a JSON-serialisable result,
 * so the same method table can be carried over IPC, HTTP or called in-process. The renderer imports
 * only this file (types), never main-side code.
 *
 * Rules: no class instances, no typed arrays, no `undefined`-only fields that matter on the wire
 * (JSON drops them); numbers that can be non-finite are sent as null.
 */

// ---------- runs ----------

export type RunStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

export type ModelKind = 'dlrm' | 'dcn' | 'fm' | 'lr' | 'mf';
export type InteractionKind = 'dot' | 'dot-self' | 'cat';
export type OptimizerKind = 'sgd' | 'adagrad' | 'adam';
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** Architecture of a model, as the new-run form and the CLI give it. */
export interface ModelSpec {
  kind: ModelKind;
  /** Preset name (criteo-kaggle, course, terabyte, ...) the spec started from, if any. */
  preset?: string;
  /** Embedding dimension D. */
  embeddingDim: number;
  /** Bottom MLP, e.g. "13-512-256-64-16" (must start at 13 and end at D). Empty for none. */
  bottomMlp: string;
  /** Top MLP widths after the interaction, e.g. "512-256-1" (must end at 1). */
  topMlp: string;
  interaction: InteractionKind;
  /** Rows per embedding table when hashing (modulo). */
  hashSize: number;
  /** DCN only: number of cross layers. */
  crossLayers?: number;
  /** MF only: the categorical features (0..25) holding the user and the item (default C1, C2). */
  userField?: number;
  itemField?: number;
}

export interface OptimizerSpec {
  /** Optimizer of the dense (MLP) weights. */
  dense: OptimizerKind;
  /** Optimizer of the embedding tables: plain SGD or row-wise sparse Adagrad. */
  sparse: 'sgd' | 'rowwise-adagrad';
  learningRate: number;
  /** Learning rate of the embedding tables, when it differs from the MLPs' (Adam and Adagrad want different scales). */
  sparseLearningRate?: number;
  /**
   * L2 weight decay (PyTorch's weight_decay): wd * w is added to the gradient of every dense weight
   * and of every table row a batch touches. Default 0.
   */
  weightDecay?: number;
  /** Linear warm-up steps (0 for none). */
  warmupSteps: number;
  /** Decay after warm-up. */
  decay: 'none' | 'linear' | 'cosine' | 'step';
}

/**
 * How raw categorical values become table rows. 'hash': the 32-bit value modulo the model's
 * hashSize (the reference with --max-ind-range; the default). 'vocab': a row per value seen at least
 * minCount times in the training rows, most frequent first, at most hashSize of them; rarer values
 * and missing ones share row 0 (the reference without --max-ind-range, plus a minimum count).
 */
export interface CategoryEncodingSpec {
  encoding: 'hash' | 'vocab';
  /** vocab only: the minimum count of a value to get its own row (default 1). */
  minCount?: number;
}

export type DatasetSpec = (
  | { kind: 'synthetic'; rows: number; seed: number }
  | { kind: 'file'; path: string; split: 'days7' | 'random'; validFraction?: number; testFraction?: number }
  | { kind: 'files'; train: string; valid?: string; test: string }
) & { categories?: CategoryEncodingSpec };

export interface TrainSpec {
  batchSize: number;
  epochs: number;
  /** Evaluate on the validation split every N steps (0: only at epoch ends). */
  evalEvery: number;
  seed: number;
  /** Force a backend; default: the fastest available. */
  backend?: BackendName;
  /** Stop the run when the share of bad rows passes this (0..1). */
  maxBadRowShare: number;
  /** Checkpoint every N steps (0: only at the end). */
  checkpointEvery: number;
  /**
   * CPU threads per step on the wasm and cpu backends (2: each batch split over two worker threads,
   * data-parallel; the same model up to float32 rounding). Default: 2 where the machine has two cores.
   */
  threads?: 1 | 2;
}

export interface StartRunInput {
  name?: string;
  tags?: string[];
  model: ModelSpec;
  optimizer: OptimizerSpec;
  dataset: DatasetSpec;
  train: TrainSpec;
  /** Group id when the run is part of a "compare models" group. */
  group?: string;
}

export interface DatasetDescription {
  kind: DatasetSpec['kind'];
  path?: string;
  bytes?: number;
  sha256?: string;
  rows: number;
  badRows: number;
  trainRows: number;
  validRows: number;
  testRows: number;
  /** Bayes-optimal AUC of the test split (synthetic data only). */
  bayesAuc?: number | null;
}

export interface MetricValues {
  logLoss?: number | null;
  auc?: number | null;
  accuracy?: number | null;
  normalizedEntropy?: number | null;
  meanPrediction?: number | null;
  observedCtr?: number | null;
  samplesPerSec?: number | null;
}

export interface RunSummary {
  id: string;
  name: string;
  status: RunStatus;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  tags: string[];
  notes: string;
  group: string | null;
  modelKind: ModelKind;
  preset: string | null;
  backend: string | null;
  seed: number;
  /** Progress 0..1 of a running run. */
  progress: number;
  /** Last and best values of the validation metrics. */
  last: MetricValues;
  best: MetricValues;
  /** Final test metrics, when finished. */
  test: MetricValues;
}

export interface RunDetail extends RunSummary {
  config: StartRunInput;
  dataset: DatasetDescription | null;
  error: string | null;
  artifacts: ArtifactInfo[];
  /** Parameter count of the model. */
  paramCount: number | null;
  lastCheckpointStep: number | null;
  /** What the backend said when training started (SIMD, the GPU adapter, two threads, ...). */
  backendDetail: string | null;
}

export interface ArtifactInfo {
  kind: 'checkpoint' | 'model' | 'export' | 'other';
  path: string;
  bytes: number;
  createdAt: string;
  step: number | null;
}

/** One metric series of one run. x values are parallel arrays. */
export interface MetricSeries {
  runId: string;
  /** e.g. 'train/loss', 'valid/auc', 'train/samples_per_sec'. */
  name: string;
  step: number[];
  samples: number[];
  /** Seconds since the run started. */
  wallTime: number[];
  value: (number | null)[];
}

// ---------- validation of a model spec ----------

export interface ModelCheck {
  ok: boolean;
  errors: string[];
  paramCount: number;
  /** Bytes for parameters plus optimizer state. */
  memoryBytes: number;
  /** Width of the top MLP's input (D + interaction size for DLRM). */
  topInputWidth: number | null;
}

export interface PresetInfo {
  name: string;
  description: string;
  model: ModelSpec;
}

// ---------- datasets ----------

export interface DatasetPreview {
  path: string;
  bytes: number;
  format: 'tsv' | 'csv' | 'tsv.gz' | 'csv.gz';
  /** First rows, as the fields read (strings). */
  header: string[];
  rows: string[][];
  /** Report over the rows read for the preview. */
  rowsRead: number;
  badRows: number;
  problems: { line: number; field: string; message: string }[];
  clickRate: number | null;
}

// ---------- explore ----------

export type ProjectionMethod = 'pca' | 'tsne' | 'umap';

export interface ProjectionInput {
  runId: string;
  /** Table index 0..25 (C1..C26), or -1 for the bottom-MLP output of sampled rows. */
  table: number;
  method: ProjectionMethod;
  dims: 2 | 3;
  maxPoints: number;
  /** Restrict to these point ids (isolate + re-project). */
  subset?: number[];
  perplexity?: number;
  learningRate?: number;
  iterations?: number;
  neighbors?: number;
  minDist?: number;
  seed?: number;
}

export interface ProjectionPoint {
  /** Row of the table (or sample index for the bottom MLP). */
  id: number;
  coords: number[];
  /** Category value as it appeared in the data (hex), when known. */
  value: string | null;
  count: number;
  ctr: number | null;
  /** Planted latent group (synthetic data only). */
  group: number | null;
}

export interface ProjectionResult {
  runId: string;
  table: number;
  method: ProjectionMethod;
  dims: 2 | 3;
  points: ProjectionPoint[];
  /** PCA only: share of variance explained by each component. */
  explainedVariance: number[] | null;
  millis: number;
}

export interface NeighborsInput {
  runId: string;
  table: number;
  id: number;
  k: number;
  metric: 'cosine' | 'euclidean';
}

export interface Neighbor {
  id: number;
  distance: number;
  value: string | null;
  count: number;
}

export interface HeatmapInput {
  runId: string;
  /** Number of validation rows to average over. */
  sampleRows: number;
  /** A single row instead of the average (index in the validation split). */
  row?: number;
}

export interface HeatmapResult {
  runId: string;
  labels: string[];
  /** [27][27] mean dot product. */
  meanDot: number[][];
  /** [27][27] mean absolute dot product. */
  meanAbsDot: number[][];
  /** [27][27] mean gradient x input contribution to the logit. */
  contribution: number[][];
  rows: number;
  /** For a single row: its prediction and label. */
  prediction: number | null;
  label: number | null;
}

/** DCN's cross network: how strongly each cross layer reads each input feature. */
export interface CrossLayersResult {
  runId: string;
  /** I1..I13, C1..C26: the blocks of the cross network's input x0. */
  features: string[];
  /** [L][I + F] Euclidean norm of layer l's weight vector over feature f's block. */
  weightNorms: number[][];
  /** [L] norm of each layer's bias. */
  biasNorms: number[];
}

export interface FeatureImportanceInput {
  runId: string;
  sampleRows: number;
}

export interface FeatureImportance {
  feature: string;
  aucDrop: number;
  logLossIncrease: number;
}

export interface RecommendInput {
  runId: string;
  /** Row of the validation split used as context. */
  contextRow: number;
  /** Optional edits of the context: feature name -> raw value (dense number or category hex). */
  edits?: Record<string, string>;
  /** Categorical feature index (0..25) treated as the item. */
  itemFeature: number;
  k: number;
}

export interface Recommendation {
  itemRow: number;
  value: string | null;
  score: number;
  observedCtr: number | null;
  count: number;
  /** Interaction pairs that drive this score most, strongest first. */
  topPairs: { a: string; b: string; contribution: number }[];
}

// ---------- simulation ----------

export type PolicyKind = 'random' | 'popularity' | 'oracle' | 'greedy-mf' | 'greedy-dlrm' | 'epsilon-greedy' | 'mmr' | 'calibrated';

export interface PolicySpec {
  kind: PolicyKind;
  /** epsilon-greedy: exploration probability. */
  epsilon?: number;
  /** MMR: weight of relevance (1 = pure relevance). */
  lambda?: number;
  /** Name shown in plots. */
  label?: string;
}

export interface SimulationSpec {
  name?: string;
  seed: number;
  users: number;
  items: number;
  topics: number;
  rounds: number;
  slateSize: number;
  newItemsPerRound: number;
  retrainEvery: number;
  /** Drift of a user's preferences toward consumed items, 0..1. */
  drift: number;
  /** Extra drift toward extreme content, 0..1. */
  extremeDrift: number;
  /** Users leave after this many consecutive slates without a click (0: never). */
  churnAfter: number;
  /** Random exploration rounds before the first training. */
  startupRounds: number;
  policies: PolicySpec[];
}

export interface SimulationSummary {
  id: string;
  name: string;
  status: RunStatus;
  createdAt: string;
  seed: number;
  progress: number;
  policies: string[];
}

export interface SimulationRoundMetrics {
  round: number;
  clickRate: number;
  meanUtility: number;
  intraListDiversity: number;
  coverage: number;
  exposureGini: number;
  topicEntropy: number;
  homogenization: number;
  polarization: number;
  extremeShare: number;
  activeUsers: number;
}

export interface SimulationDetail extends SimulationSummary {
  spec: SimulationSpec;
  /** policy label -> per-round metrics. */
  metrics: Record<string, SimulationRoundMetrics[]>;
  /** policy label -> topic shares of one tracked user's consumption per round [round][topic]. */
  trackedUser: Record<string, number[][]>;
  error: string | null;
}

// ---------- tools (CLI and scripts) ----------

export interface GenerateResult {
  path: string;
  rows: number;
  bytes: number;
  clickRate: number;
  /** Bayes-optimal AUC of the generated rows (AUC of the planted probabilities). */
  bayesAuc: number | null;
}

export interface BenchRow {
  preset: string;
  batchSize: number;
  backend: string;
  /** Samples over the wall time of all timed steps. */
  samplesPerSec: number;
  /** Batch size over the median step time (the statistic torch_dlrm.py bench reports). */
  medianSamplesPerSec: number;
  peakRssBytes: number;
  /** Worker threads that computed each step (2: data-parallel halves of the batch). */
  threads: number;
  /**
   * Same configuration in the PyTorch reference (../shared/peer/torch_dlrm.py, its median step), when
   * python3-torch is present: the median over rounds that alternate with ours.
   */
  torchSamplesPerSec: number | null;
  /** Median over the rounds of (our median-step samples/s / the reference's in the same round). */
  ratioToTorch: number | null;
  /** Each round's ratio. */
  ratioRounds: number[];
}

/** One measured row of a component benchmark (preprocessing, simulation, projections): flat values. */
export type BenchFigures = Record<string, number | string | null>;

export interface EvaluateResult {
  runId: string;
  rows: number;
  metrics: MetricValues;
}

// ---------- app ----------

export interface AppInfo {
  version: string;
  /** Every backend, fastest first, with whether it loads here and what it found (adapter name...). */
  backends: { name: BackendName; available: boolean; detail: string }[];
  /** The backend a run gets when it forces none (a software GPU adapter is never chosen automatically). */
  defaultBackend: BackendName | null;
  dataDir: string;
  databasePath: string;
  door: 'electron' | 'web' | 'cli';
}

// ---------- events pushed to the UI ----------

export type StudioEvent =
  | { type: 'run-progress'; runId: string; step: number; totalSteps: number; epoch: number; samplesSeen: number;
      samplesPerSec: number; loss: number; etaSeconds: number | null }
  | { type: 'run-eval'; runId: string; step: number; metrics: MetricValues }
  | { type: 'run-status'; runId: string; status: RunStatus; error: string | null }
  | { type: 'sim-progress'; simId: string; round: number; rounds: number; policy: string }
  | { type: 'sim-status'; simId: string; status: RunStatus; error: string | null }
  | { type: 'job-progress'; jobId: string; fraction: number; message: string }
  /** Intermediate layout of a running t-SNE/UMAP projection (about once a second), to watch it iterate. */
  | { type: 'projection-frame'; jobId: string; fraction: number; points: ProjectionPoint[] };

// ---------- the method table ----------

export interface RunQuery {
  /** Free text over name, tags and notes. */
  text?: string;
  status?: RunStatus[];
  tag?: string;
  limit?: number;
}

/** Every method: input object -> result. Keys are the wire names. */
export interface StudioMethods {
  'app.info': (input: Record<string, never>) => AppInfo;
  'presets.list': (input: Record<string, never>) => PresetInfo[];
  'model.check': (input: { model: ModelSpec; optimizer?: OptimizerSpec }) => ModelCheck;
  'dataset.preview': (input: { path: string; rows?: number }) => DatasetPreview;

  'runs.list': (input: RunQuery) => RunSummary[];
  'runs.get': (input: { id: string }) => RunDetail;
  'runs.metrics': (input: { ids: string[]; names?: string[]; maxPoints?: number }) => MetricSeries[];
  'runs.start': (input: StartRunInput) => { id: string };
  'runs.cancel': (input: { id: string }) => { ok: true };
  'runs.resume': (input: { id: string }) => { id: string };
  'runs.update': (input: { id: string; name?: string; tags?: string[]; notes?: string }) => RunSummary;
  'runs.delete': (input: { ids: string[] }) => { deleted: number };
  'runs.export': (input: { ids: string[] }) => { json: string };
  'runs.exportCsv': (input: { ids: string[] }) => { csv: string };
  'runs.import': (input: { json: string }) => { ids: string[] };
  'runs.compareModels': (input: { base: StartRunInput; models: ModelSpec[] }) => { group: string; ids: string[] };

  'explore.project': (input: ProjectionInput) => ProjectionResult;
  'explore.neighbors': (input: NeighborsInput) => Neighbor[];
  'explore.heatmap': (input: HeatmapInput) => HeatmapResult;
  'explore.importance': (input: FeatureImportanceInput) => FeatureImportance[];
  'explore.recommend': (input: RecommendInput) => Recommendation[];
  'explore.crossLayers': (input: { runId: string }) => CrossLayersResult;

  'runs.evaluate': (input: { id: string; path?: string }) => EvaluateResult;
  'runs.predict': (input: { id: string; path: string; outPath: string }) => { rows: number; outPath: string };

  'data.generate': (input: { path: string; rows: number; seed: number }) => GenerateResult;
  'bench.train': (input: { batchSizes: number[]; seconds: number; presets: string[]; backend?: BackendName; compareTorch: boolean; threads?: 1 | 2; rounds?: number }) => BenchRow[];
  'bench.component': (input: { kind: 'preprocess' | 'simulation' | 'projections' | 'parity' | 'gpu'; rows?: number; epochs?: number; seeds?: number[]; seconds?: number; batchSizes?: number[] }) => BenchFigures[];

  'sim.start': (input: SimulationSpec) => { id: string };
  'sim.cancel': (input: { id: string }) => { ok: true };
  'sim.list': (input: Record<string, never>) => SimulationSummary[];
  'sim.get': (input: { id: string }) => SimulationDetail;
  'sim.delete': (input: { id: string }) => { ok: true };
}

export type MethodName = keyof StudioMethods;
export type MethodInput<M extends MethodName> = Parameters<StudioMethods[M]>[0];
export type MethodResult<M extends MethodName> = ReturnType<StudioMethods[M]>;

/** What the renderer (and any client) sees: every method as an async call, plus the event stream. */
export type StudioClient = {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>>;
  /** Subscribe to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: StudioEvent) => void): () => void;
};

/** Error shape on every wire: a message a user can act on, and the field it is about. */
export interface ApiErrorBody {
  error: string;
  field?: string;
  code: 'bad-request' | 'not-found' | 'conflict' | 'internal' | 'unauthorized';
}
