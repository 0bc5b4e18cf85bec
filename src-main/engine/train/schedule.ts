/**
 * Learning-rate schedule: linear warm-up from lr/warmup to lr over `warmupSteps`, then a decay over
 * the remaining steps:
 *   none   constant lr
 *   linear lr * (1 - progress)                       (reaches 0 at the last step)
 *   cosine lr * (1 + cos(pi * progress)) / 2
 *   step   lr * 0.1^k where k = number of passed milestones at 50% and 75% of the decay phase
 * progress = (step - warmupSteps) / (totalSteps - warmupSteps), step counted from 0.
 */
import type { OptimizerSpec } from '../../domain';

export function learningRateAt(step: number, totalSteps: number, spec: Pick<OptimizerSpec, 'learningRate' | 'warmupSteps' | 'decay'>): number {
  const lr = spec.learningRate;
  const warmup = Math.max(0, spec.warmupSteps);
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const decaySteps = totalSteps - warmup;
  if (spec.decay === 'none' || decaySteps <= 0) return lr;
  const progress = Math.min(1, Math.max(0, (step - warmup) / decaySteps));
  switch (spec.decay) {
    case 'linear':
      return lr * (1 - progress);
    case 'cosine':
      return (lr * (1 + Math.cos(Math.PI * progress))) / 2;
    case 'step':
      return lr * (progress >= 0.75 ? 0.01 : progress >= 0.5 ? 0.1 : 1);
    default:
      throw new Error(`unknown decay "${String(spec.decay)}" (none, linear, cosine, step)`);
  }
}
