/** Benchmark results. */
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
