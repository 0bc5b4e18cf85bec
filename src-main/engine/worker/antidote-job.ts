/**
 * The 'antidote' job: the antidote-data experiment (engine/sim/antidote-experiment.ts) off the main
 * thread; a few seconds for the default world and budgets.
 */
import type { AntidoteExperimentResult, AntidoteInput } from '../../domain';
import { runAntidoteExperiment } from '../sim';
import type { JobContext } from './protocol';

export async function antidoteJob(raw: unknown, ctx: JobContext): Promise<AntidoteExperimentResult> {
  const input = raw as AntidoteInput;
  return runAntidoteExperiment({
    spec: { seed: input.seed ?? 42 },
    ...(input.budgets ? { budgets: input.budgets } : {}),
    ...(input.objective ? { objective: input.objective } : {}),
    onProgress: (fraction, message) => ctx.emit({ type: 'progress', fraction, message }),
  });
}
