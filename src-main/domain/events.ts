/** Events pushed from the engine jobs to every door and the UI. */
import type { ProjectionPoint } from './explore';
import type { MetricValues } from './metrics';
import type { RunStatus } from './run-config';

/**
 * Where a training run stands, as one progress report: declared once for the training loop, the
 * worker job, the pushed event and the renderer's live state.
 */
export interface RunProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  samplesSeen: number;
  samplesPerSec: number;
  /** Mean training loss over the steps since the previous progress report. */
  loss: number;
  /** Seconds left at the current speed, null before the speed is known. */
  etaSeconds: number | null;
}

/**
 * A run's data preparation before its first step (reading, counting, parsing into the cache, or
 * generating synthetic rows): minutes on a Kaggle-size file, so it is reported with an ETA.
 */
export interface RunPreparation {
  /** 0..1 over every pass of the preparation. */
  fraction: number;
  /** What it is doing, e.g. "parsing day_0.tsv: 4,641,102 rows, 66.8 MB/s, 0 bad". */
  message: string;
  elapsedSeconds: number;
  /** Seconds left at the pace so far, null until it is known. */
  etaSeconds: number | null;
}

/** Seconds left of work `fraction` done in `elapsedSeconds`, at the same pace; null before any is done. */
export function secondsLeftAtPace(fraction: number, elapsedSeconds: number): number | null {
  if (!(fraction > 0)) return null;
  return fraction >= 1 ? 0 : (elapsedSeconds * (1 - fraction)) / fraction;
}

export type StudioEvent =
  | ({ type: 'run-progress'; runId: string } & RunProgress)
  | ({ type: 'run-preparing'; runId: string } & RunPreparation)
  | { type: 'run-eval'; runId: string; step: number; metrics: MetricValues }
  | { type: 'run-status'; runId: string; status: RunStatus; error: string | null }
  | { type: 'sim-progress'; simId: string; round: number; rounds: number; policy: string }
  | { type: 'sim-status'; simId: string; status: RunStatus; error: string | null }
  | { type: 'job-progress'; jobId: string; fraction: number; message: string }
  /** Intermediate layout of a running t-SNE/UMAP projection (about once a second), to watch it iterate. */
  | { type: 'projection-frame'; jobId: string; fraction: number; points: ProjectionPoint[] };
