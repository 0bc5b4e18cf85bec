/**
 * The jobs an engine worker can run, by kind. The service names the kind; nothing else dispatches.
 */
import type { JobHandler } from './protocol';
import { trainJob } from './train-job';
import { simulateJob } from './simulate-job';
import { antidoteJob } from './antidote-job';
import { mfTieJob } from './mf-tie-job';
import { collaborativeCompareJob } from './cf-compare-job';
import { exploreJob } from './explore-job';
import { exportTorchJob, importTorchJob } from './torch-job-jobs';
import { benchJob, componentBenchJob, evaluateJob, generateJob, predictJob } from './tool-jobs';

export const JOB_HANDLERS: Record<string, JobHandler> = {
  train: trainJob,
  simulate: simulateJob,
  antidote: antidoteJob,
  'mf-tie': mfTieJob,
  'cf-compare': collaborativeCompareJob,
  explore: exploreJob,
  generate: generateJob,
  bench: benchJob,
  'bench-component': componentBenchJob,
  evaluate: evaluateJob,
  predict: predictJob,
  'export-torch-job': exportTorchJob,
  'import-torch-job': importTorchJob,
};
