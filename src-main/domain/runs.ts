/** Tracked runs as the store keeps them and the UI lists them. */
import type { DatasetDescription } from './dataset';
import type { BestStepInfo } from './early-stopping';
import type { MetricValues } from './metrics';
import type { ModelKind, RunStatus, StartRunInput } from './run-config';

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
  /** Where the final model came from ("best at step N of M"), for runs with early stopping. */
  bestAt: BestStepInfo | null;
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

export interface RunQuery {
  /** Free text over name, tags and notes. */
  text?: string;
  status?: RunStatus[];
  tag?: string;
  limit?: number;
}
