/**
 * The 'simulate' job: run the closed-loop simulation and report every policy's round as it completes.
 */
import { runSimulation } from '../sim';
import type { JobContext } from './protocol';
import type { SimulationJobEvent, SimulationJobPayload } from './job-types';

export async function simulateJob(raw: unknown, ctx: JobContext): Promise<{ roundsCompleted: number; millis: number }> {
  const payload = raw as SimulationJobPayload;
  const { spec } = payload;
  const totalSteps = Math.max(1, spec.rounds * spec.policies.length);
  let done = 0;
  const result = await runSimulation(spec, {
    signal: ctx.signal,
    onRound: (policy, metrics, trackedUserShares) => {
      done += 1;
      const event: SimulationJobEvent = {
        type: 'round',
        policy,
        round: metrics.round,
        rounds: spec.rounds,
        metrics,
        trackedTopicShares: trackedUserShares,
        progress: Math.min(1, done / totalSteps),
      };
      ctx.emit(event);
    },
  });
  if (result.cancelled) {
    const error = new Error('cancelled');
    error.name = 'AbortError';
    throw error;
  }
  return { roundsCompleted: result.roundsCompleted, millis: result.millis };
}
