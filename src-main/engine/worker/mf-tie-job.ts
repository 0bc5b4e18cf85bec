/**
 * The 'mf-tie' job: ALS against a two-field DLRM on the simulator's log (engine/sim/mf-tie.ts, the DLRM from engine/train/two-field-dlrm.ts), off
 * the main thread; a few seconds for the default world.
 */
import type { MfTieInput, MfTieResult } from '../../domain';
import { initBackend } from '../backend';
import { mfTieOnSimulation } from '../sim/mf-tie';
import { fitTwoFieldDlrm } from '../train/two-field-dlrm';
import type { JobContext } from './protocol';

export async function mfTieJob(raw: unknown, ctx: JobContext): Promise<MfTieResult> {
  const input = raw as MfTieInput;
  await initBackend();
  ctx.emit({ type: 'progress', fraction: 0, message: 'fitting ALS and the two-field DLRM on the simulated log' });
  const result = mfTieOnSimulation(fitTwoFieldDlrm, { seed: input.seed ?? 42 }, input.factors !== undefined ? { factors: input.factors } : {});
  ctx.emit({ type: 'progress', fraction: 1, message: 'done' });
  return result;
}
