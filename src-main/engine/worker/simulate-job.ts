/**
 * The 'simulate' job: run the closed-loop simulation and report every policy's round as it completes.
 */
import { runSimulation } from '../sim';
import { initBackend } from '../backend';
import { DlrmClickModel } from '../train/click-model';
import type { JobContext } from './protocol';
import type { SimulationJobEvent, SimulationJobPayload } from './job-types';

export async function simulateJob(raw: unknown, ctx: JobContext): Promise<{ roundsCompleted: number; millis: number }> {
  const payload = raw as SimulationJobPayload;
  const { spec } = payload;
  const totalSteps = Math.max(1, spec.rounds * spec.policies.length);
  let done = 0;
  // 'greedy-dlrm' policies train a DLRM on the logged clicks: one model per policy, on tfjs.
  const usesDlrm = spec.policies.some((p) => p.kind === 'greedy-dlrm');
  const clickModels: DlrmClickModel[] = [];
  if (usesDlrm) await initBackend();
  const result = await runSimulation(spec, {
    signal: ctx.signal,
    ...(usesDlrm
      ? {
          dlrmTrainer: () => {
            const model = new DlrmClickModel({ seed: spec.seed });
            clickModels.push(model);
            return model;
          },
        }
      : {}),
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
  for (const model of clickModels) model.dispose();
  if (result.cancelled) {
    const error = new Error('cancelled');
    error.name = 'AbortError';
    throw error;
  }
  return { roundsCompleted: result.roundsCompleted, millis: result.millis };
}
