/**
 * The 'mf-tie' job: ALS against a two-field DLRM on the simulator's log (engine/sim/mf-tie.ts, the DLRM from engine/train/two-field-dlrm.ts), off
 * the main thread; a few seconds for the default world.
 */
import type { MfTieInput, MfTieResult } from '../../domain';
import { initBackend } from '../backend';
import { prepareDataset } from '../data';
import { fieldPairTriples } from '../data/field-pair';
import { mfTieOnFieldPair, mfTieOnSimulation } from '../sim/mf-tie';
import { fitTwoFieldDlrm } from '../train/two-field-dlrm';
import type { JobContext } from './protocol';

export interface MfTieJobPayload {
  input: MfTieInput;
  cacheDir: string;
}

export async function mfTieJob(raw: unknown, ctx: JobContext): Promise<MfTieResult> {
  const { input, cacheDir } = raw as MfTieJobPayload;
  await initBackend();
  if (input.data) {
    const { base, userField, itemField } = input.data;
    const { dataset, model, train } = base;
    const prepared = await prepareDataset(dataset, {
      cacheDir,
      hashSize: model.hashSize,
      categorical: dataset.categories?.encoding ?? 'hash',
      ...(dataset.categories?.minCount !== undefined ? { minCount: dataset.categories.minCount } : {}),
      maxBadShare: train.maxBadRowShare,
      onProgress: (fraction, message) => ctx.emit({ type: 'progress', fraction: 0.5 * fraction, message }),
      signal: ctx.signal,
    });
    ctx.emit({ type: 'progress', fraction: 0.5, message: `fitting ALS and the two-field DLRM on C${userField + 1} x C${itemField + 1}` });
    const result = mfTieOnFieldPair(
      fieldPairTriples(prepared.train, userField, itemField),
      fieldPairTriples(prepared.test, userField, itemField),
      userField,
      itemField,
      fitTwoFieldDlrm,
      { seed: train.seed, ...(input.factors !== undefined ? { factors: input.factors } : {}) },
    );
    ctx.emit({ type: 'progress', fraction: 1, message: 'done' });
    return result;
  }
  ctx.emit({ type: 'progress', fraction: 0, message: 'fitting ALS and the two-field DLRM on the simulated log' });
  const result = mfTieOnSimulation(fitTwoFieldDlrm, { seed: input.seed ?? 42 }, input.factors !== undefined ? { factors: input.factors } : {});
  ctx.emit({ type: 'progress', fraction: 1, message: 'done' });
  return result;
}
