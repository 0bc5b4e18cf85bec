/**
 * The one typed contract between every door (Electron IPC, web mode HTTP, CLI) and the service.
 *
 * Every operation takes ONE JSON-serialisable input object and returns a JSON-serialisable result,
 * so the same method table can be carried over IPC, HTTP or called in-process. The renderer imports
 * only this file (types), never main-side code; the domain's nouns it re-exports live in
 * src-main/domain, a leaf that the engine and the store import too.
 *
 * Rules: no class instances, no typed arrays, no `undefined`-only fields that matter on the wire
 * (JSON drops them); numbers that can be non-finite are sent as null.
 */

import type {
  AntidoteExperimentResult,
  AntidoteInput,
  MfTieInput,
  CollaborativeCtrInput,
  CollaborativeCtrResult,
  MfTieResult,
  AppInfo,
  BackendName,
  BenchFigures,
  BenchRow,
  CrossLayersResult,
  DatasetPreview,
  EvaluateResult,
  ExportJobResult,
  FeatureImportance,
  FeatureImportanceInput,
  GenerateResult,
  HeatmapInput,
  HeatmapResult,
  MetricSeries,
  MemoryPlanRequest,
  MemoryPlan,
  ModelCheck,
  ModelSpec,
  Neighbor,
  NeighborsInput,
  OptimizerSpec,
  PolicyDescription,
  PresetInfo,
  ProjectionInput,
  ProjectionResult,
  RecommendInput,
  Recommendation,
  RunDetail,
  RunQuery,
  RunSummary,
  SimulationDetail,
  SimulationSpec,
  ShardingAnswer,
  SimulationSummary,
  StartRunInput,
  StudioEvent,
  SweepDetail,
  SweepSpec,
  SweepSummary,
} from '../domain';

export type * from '../domain';

/** Every method: input object -> result. Keys are the wire names. */
export interface StudioMethods {
  'app.info': (input: Record<string, never>) => AppInfo;
  'presets.list': (input: Record<string, never>) => PresetInfo[];
  'model.check': (input: { model: ModelSpec; optimizer?: OptimizerSpec }) => ModelCheck;
  /** Where a run's bytes would go on this machine, and whether they fit (issue #15). */
  'model.plan': (input: MemoryPlanRequest) => MemoryPlan;
  'dataset.preview': (input: { path: string; rows?: number }) => DatasetPreview;
  /**
   * Where a DLRM's tables would live on `workers` workers (default 2) and what that costs; tableOwner
   * gives a placement of your own (refused, with the numbers, when a worker is over memoryBudgetBytes).
   */
  'model.shardingPlan': (input: { model: ModelSpec; optimizer: OptimizerSpec; batchSize: number; workers?: number; memoryBudgetBytes?: number; tableOwner?: number[] }) => ShardingAnswer;

  'runs.list': (input: RunQuery) => RunSummary[];
  'runs.get': (input: { id: string }) => RunDetail;
  'runs.metrics': (input: { ids: string[]; names?: string[]; maxPoints?: number }) => MetricSeries[];
  'runs.start': (input: StartRunInput) => { id: string };
  /** A sweep over run settings; its trials are runs of the group named by the sweep's id. */
  'sweeps.start': (input: SweepSpec) => { id: string };
  'sweeps.list': (input: Record<string, never>) => SweepSummary[];
  'sweeps.get': (input: { id: string }) => SweepDetail;
  'sweeps.cancel': (input: { id: string }) => { ok: true };
  /** Continues an interrupted or cancelled sweep: unfinished trials resume their runs, none is repeated. */
  'sweeps.resume': (input: { id: string }) => { id: string };
  'runs.cancel': (input: { id: string }) => { ok: true };
  'runs.resume': (input: { id: string }) => { id: string };
  'runs.update': (input: { id: string; name?: string; tags?: string[]; notes?: string }) => RunSummary;
  'runs.delete': (input: { ids: string[] }) => { deleted: number };
  'runs.export': (input: { ids: string[] }) => { json: string };
  'runs.exportCsv': (input: { ids: string[] }) => { csv: string };
  'runs.import': (input: { json: string }) => { ids: string[] };
  'runs.compareModels': (input: { base: StartRunInput; models: ModelSpec[] }) => { group: string; ids: string[] };
  /** User-user, item-item and ALS as CTR models on one user/item pair of the base run's categorical fields: test AUC (log loss where a probability exists). */
  'runs.compareCollaborative': (input: CollaborativeCtrInput) => CollaborativeCtrResult;

  'explore.project': (input: ProjectionInput) => ProjectionResult;
  'explore.neighbors': (input: NeighborsInput) => Neighbor[];
  'explore.heatmap': (input: HeatmapInput) => HeatmapResult;
  'explore.importance': (input: FeatureImportanceInput) => FeatureImportance[];
  'explore.recommend': (input: RecommendInput) => Recommendation[];
  'explore.crossLayers': (input: { runId: string }) => CrossLayersResult;

  'runs.evaluate': (input: { id: string; path?: string }) => EvaluateResult;
  /** `overwrite: true` replaces an existing outPath (the UI asks first); without it an existing file is a conflict. */
  'runs.predict': (input: { id: string; path: string; outPath: string; overwrite?: boolean }) => { rows: number; outPath: string };

  /** `overwrite: true` replaces an existing file at path (the UI asks first); without it an existing file is a conflict. */
  'data.generate': (input: { path: string; rows: number; seed: number; overwrite?: boolean }) => GenerateResult;
  'bench.train': (input: { batchSizes: number[]; seconds: number; presets: string[]; backend?: BackendName; compareTorch: boolean; threads?: 1 | 2; rounds?: number }) => BenchRow[];
  'bench.component': (input: { kind: 'preprocess' | 'simulation' | 'projections' | 'parity' | 'gpu' | 'recommenders' | 'compression' | 'hybrid' | 'kaggle-scale'; rows?: number; steps?: number; rounds?: number; epochs?: number; seeds?: number[]; seconds?: number; batchSizes?: number[]; presets?: string[]; minSteps?: number }) => BenchFigures[];

  /**
   * Exports a DLRM run (id) or a run configuration (config) as a torch.distributed job folder at
   * outDir (absent or empty): the training script, job.json, the prepared splits, the initial weights.
   * tableOwner[f] places table f on a rank (default: the planner's placement for worldSize ranks).
   */
  'jobs.exportTorch': (input: { id?: string; config?: StartRunInput; outDir: string; worldSize?: number; tableOwner?: number[]; memoryBudgetBytes?: number }) => ExportJobResult;
  /** Follows a job (its folder, or a copy of its output folder) as a tracked run; its weights are imported when it finishes. */
  /** runId: an interrupted run that followed this job, to follow it again (its metrics are read anew from the log). */
  'jobs.followTorch': (input: { dir: string; name?: string; runId?: string }) => { id: string };

  'sim.start': (input: SimulationSpec) => { id: string };
  'sim.cancel': (input: { id: string }) => { ok: true };
  'sim.list': (input: Record<string, never>) => SimulationSummary[];
  'sim.get': (input: { id: string }) => SimulationDetail;
  /** The antidote-data experiment on a small simulated world: polarisation and per-group error before and after, per budget. */
  'sim.antidote': (input: AntidoteInput) => AntidoteExperimentResult;
  /** ALS against a two-field DLRM (kind mf) on the simulator's log: score correlation, held-out NDCG@10, a scatter. */
  'sim.mfTie': (input: MfTieInput) => MfTieResult;
  /** Every policy kind with its label, parameter and hint (declared once in the engine). */
  'sim.policies': (input: Record<string, never>) => PolicyDescription[];
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
