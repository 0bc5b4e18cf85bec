/**
 * How many CPU threads a training step uses by default: both cores of a two-core machine (the
 * wasm backend itself runs on one), as PyTorch uses every core by default, except for the models
 * whose steps are too small for a second thread to pay for the exchange. Resolved when a run is
 * created and stored with its configuration, so a resumed run keeps its thread count.
 *
 * Measured here (`cli.js compare --rows 50000 --batch 256 --threads 1|2`, samples/s, one vs two):
 * DLRM 3,947 vs 6,455; DCN 5,577 vs 6,185; FM 24,649 vs 26,446; LR 93,539 vs 77,105;
 * MF 163,883 vs 86,394.
 */
import { availableParallelism } from 'node:os';
import type { ModelKind } from '../../domain';

const ONE_THREAD_KINDS: ReadonlySet<ModelKind> = new Set(['lr', 'mf']);

export function defaultTrainingThreads(kind: ModelKind = 'dlrm'): 1 | 2 {
  if (ONE_THREAD_KINDS.has(kind)) return 1;
  return availableParallelism() >= 2 ? 2 : 1;
}
