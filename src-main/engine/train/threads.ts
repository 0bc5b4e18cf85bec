/**
 * How many CPU threads a training step uses by default: both cores of a two-core machine (the
 * wasm backend itself runs on one), as PyTorch uses every core by default. Resolved when a run is
 * created and stored with its configuration, so a resumed run keeps its thread count.
 */
import { availableParallelism } from 'node:os';

export function defaultTrainingThreads(): 1 | 2 {
  return availableParallelism() >= 2 ? 2 : 1;
}
