/**
 * Payloads and events of the engine jobs the service starts in a worker. Plain JSON only.
 */
import type { BestStepInfo, DatasetDescription, MetricValues, RunProgress, SimulationRoundMetrics, SimulationSpec, StartRunInput } from '../../domain';

export interface TrainJobPayload {
  runId: string;
  input: StartRunInput;
  /** Folder of this run's files (checkpoints, model). */
  runDir: string;
  /** Preprocessed-dataset cache folder. */
  cacheDir: string;
  /** Checkpoint to resume from, or null for a fresh start. */
  resumeFrom: string | null;
  /** The worker entry, which also hosts the helper thread of a two-thread step. */
  workerScript: string;
  /**
   * Pause when this fraction of the run's steps is done (a sweep's successive-halving rung): the
   * job then ends 'cancelled' with paused set, checkpointed, and a resume continues it.
   */
  pauseAtFraction?: number;
}

/** Events a training job sends, in order: dataset, started, (progress|eval|checkpoint)*, artifact*, finished. */
export type TrainJobEvent =
  | { type: 'preparing'; fraction: number; message: string }
  | { type: 'dataset'; description: DatasetDescription }
  | { type: 'started'; backend: string; detail: string; paramCount: number; totalSteps: number }
  | ({ type: 'progress'; lr: number; wallTime: number } & RunProgress)
  | { type: 'eval'; step: number; samplesSeen: number; split: 'valid' | 'test'; metrics: MetricValues; wallTime: number }
  | { type: 'checkpoint'; step: number; path: string; bytes: number }
  | { type: 'artifact'; kind: 'model'; path: string; bytes: number; step: number }
  /** Hybrid and one-thread host runs: ms per step of each phase (HYBRID_PHASES: input, lookup, allToAll, bottomMlp, interaction, topMlp, backward, allReduce, sparseUpdate, denseUpdate) since the last one. */
  | { type: 'phases'; step: number; samplesSeen: number; wallTime: number; workers: number; phases: Record<string, number> };

export interface TrainJobResult {
  status: 'finished' | 'cancelled';
  step: number;
  samplesSeen: number;
  wallTime: number;
  valid: MetricValues | null;
  test: MetricValues | null;
  /** With early stopping: the step the final model comes from. */
  best: BestStepInfo | null;
  /** Ended at payload.pauseAtFraction. */
  paused: boolean;
}

export interface SimulationJobPayload {
  spec: SimulationSpec;
}

export type SimulationJobEvent = {
  type: 'round';
  policy: string;
  round: number;
  rounds: number;
  metrics: SimulationRoundMetrics;
  trackedTopicShares: number[] | null;
  progress: number;
};
