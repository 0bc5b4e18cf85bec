/**
 * The 'cf-compare' job: prepares the comparison's dataset as a run would (same cache) and scores
 * user-user, item-item and ALS on one pair of its categorical fields (engine/cf/ctr.ts).
 */
import type { CollaborativeCtrInput, CollaborativeCtrResult } from '../../domain';
import { prepareDataset } from '../data';
import { compareCollaborativeCtr } from '../cf/ctr';
import { fieldPairTriples } from '../data/field-pair';
import type { JobContext } from './protocol';

export interface CollaborativeCompareJobPayload {
  input: CollaborativeCtrInput;
  cacheDir: string;
}

export async function collaborativeCompareJob(raw: unknown, ctx: JobContext): Promise<CollaborativeCtrResult> {
  const { input, cacheDir } = raw as CollaborativeCompareJobPayload;
  const { dataset, model, train } = input.base;
  const prepared = await prepareDataset(dataset, {
    cacheDir,
    hashSize: model.hashSize,
    categorical: dataset.categories?.encoding ?? 'hash',
    ...(dataset.categories?.minCount !== undefined ? { minCount: dataset.categories.minCount } : {}),
    maxBadShare: train.maxBadRowShare,
    onProgress: (fraction, message) => ctx.emit({ type: 'progress', fraction: 0.5 * fraction, message }),
    signal: ctx.signal,
  });
  ctx.emit({ type: 'progress', fraction: 0.5, message: `fitting CF on C${input.userField + 1} x C${input.itemField + 1}` });
  const result = compareCollaborativeCtr(
    fieldPairTriples(prepared.train, input.userField, input.itemField),
    fieldPairTriples(prepared.test, input.userField, input.itemField),
    input.userField,
    input.itemField,
    { ...(input.models ? { kinds: input.models } : {}), seed: train.seed, log: (line) => ctx.emit({ type: 'progress', fraction: 0.75, message: line }) },
  );
  ctx.emit({ type: 'progress', fraction: 1, message: 'done' });
  return result;
}
