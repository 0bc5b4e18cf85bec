import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulationResult, SweepResult } from './simulate';
import type { SimulationRoundMetrics, SimulationSpec } from '../../domain';
import type { InteractionLog } from './log';
import type { ClickModelTrainer, Scorer } from './model';
import { meanOverLastRounds, runSimulation, sweep } from './simulate';
import { DEFAULT_SIMULATION } from './spec';

/**
 * Small worlds so the file stays fast. The qualitative results below were first observed with
 * scratch runs of exactly these specs (seeds 1-3), e.g. over the last 5 rounds:
 *   seed 1: random  coverage 0.98 gini 0.28 homogenisation 0.012 slate diversity 0.73
 *           oracle  coverage 0.61 gini 0.64 homogenisation 0.056
 *           greedy  coverage 0.13 gini 0.96 homogenisation 0.32  slate diversity 0.64
 * and the MMR frontier over the last 5 rounds averaged over seeds 1-3 (click rate / slate diversity),
 * as the frontier test below prints it:
 *   lambda 1: 0.507/0.666, 0.6: 0.499/0.746, 0.3: 0.491/0.776, 0: 0.471/0.804
 * The tests assert the direction of these effects with margins well inside those gaps.
 */
const SMALL: SimulationSpec = {
  ...DEFAULT_SIMULATION,
  users: 200,
  items: 400,
  rounds: 30,
  newItemsPerRound: 5,
  startupRounds: 5,
  retrainEvery: 5,
  policies: [{ kind: 'random' }, { kind: 'oracle' }, { kind: 'greedy-mf' }],
};
const SEEDS = [1, 2, 3];
const LAST = 5;

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

describe('engagement-greedy versus random and oracle (seeds 1-3)', () => {
  let runs: SimulationResult[] = [];
  beforeAll(async () => {
    runs = await Promise.all(SEEDS.map((seed) => runSimulation({ ...SMALL, seed })));
  });
  const last = (label: string, metric: keyof Omit<SimulationRoundMetrics, 'round'>) =>
    runs.map((run) => meanOverLastRounds(run.metrics[label]!, metric, LAST));

  it('greedy concentrates exposure: lower catalogue coverage and higher Gini than random and oracle, every seed', () => {
    const greedyCoverage = last('greedy-mf', 'coverage');
    const greedyGini = last('greedy-mf', 'exposureGini');
    for (const other of ['random', 'oracle']) {
      const coverage = last(other, 'coverage');
      const giniOther = last(other, 'exposureGini');
      SEEDS.forEach((_, k) => {
        expect(greedyCoverage[k]!).toBeLessThan(coverage[k]! - 0.1);
        expect(greedyGini[k]!).toBeGreaterThan(giniOther[k]! + 0.1);
      });
    }
  });

  it('greedy slates are less diverse than random slates', () => {
    const greedy = last('greedy-mf', 'intraListDiversity');
    const random = last('random', 'intraListDiversity');
    SEEDS.forEach((_, k) => expect(greedy[k]!).toBeLessThan(random[k]! - 0.02));
  });

  it('greedy homogenises users above random and oracle, and homogenisation rises over the rounds', () => {
    const greedy = last('greedy-mf', 'homogenization');
    const random = last('random', 'homogenization');
    const oracle = last('oracle', 'homogenization');
    SEEDS.forEach((_, k) => {
      expect(greedy[k]!).toBeGreaterThan(2 * oracle[k]!);
      expect(greedy[k]!).toBeGreaterThan(5 * random[k]!);
      const series = runs[k]!.metrics['greedy-mf']!;
      // Right after the first training (round startupRounds) versus the end.
      expect(series[series.length - 1]!.homogenization).toBeGreaterThan(2 * series[SMALL.startupRounds]!.homogenization);
    });
  });

  it('the oracle gets more clicks and more utility than greedy, greedy more clicks than random', () => {
    expect(mean(last('oracle', 'clickRate'))).toBeGreaterThan(mean(last('greedy-mf', 'clickRate')) + 0.1);
    expect(mean(last('oracle', 'meanUtility'))).toBeGreaterThan(mean(last('greedy-mf', 'meanUtility')));
    expect(mean(last('greedy-mf', 'clickRate'))).toBeGreaterThan(mean(last('random', 'clickRate')) + 0.05);
  });

  it('all policies coincide during the start-up rounds (paired worlds, random slates)', () => {
    const run = runs[0]!;
    for (let round = 0; round < SMALL.startupRounds; round++) {
      const { polarization: _r, ...random } = run.metrics.random![round]!;
      const { polarization: _g, ...greedy } = run.metrics['greedy-mf']![round]!;
      expect(greedy).toEqual(random);
    }
  });
});

describe('MMR frontier (seeds 1-3 averaged)', () => {
  const lambdas = [1, 0.6, 0.3, 0];
  let sweeps: SweepResult[] = [];
  let engagement: number[] = [];
  let diversity: number[] = [];
  beforeAll(async () => {
    sweeps = await Promise.all(
      SEEDS.map((seed) => sweep({ ...SMALL, seed }, { parameter: 'lambda', values: lambdas, references: ['greedy-mf'], lastRounds: LAST })),
    );
    engagement = lambdas.map((_, k) => mean(sweeps.map((s) => s.points[k]!.engagement)));
    diversity = lambdas.map((_, k) => mean(sweeps.map((s) => s.points[k]!.diversity)));
    console.log('frontier (lambda: click rate / slate diversity)', lambdas.map((l, k) => `${l}: ${engagement[k]!.toFixed(3)}/${diversity[k]!.toFixed(3)}`).join(', '));
  });

  it('lowering lambda (more weight on diversity) raises slate diversity monotonically', () => {
    for (let k = 1; k < lambdas.length; k++) expect(diversity[k]!).toBeGreaterThan(diversity[k - 1]!);
    expect(diversity[lambdas.length - 1]! - diversity[0]!).toBeGreaterThan(0.05);
  });

  it('and lowers engagement, monotone within noise (0.01 per step)', () => {
    for (let k = 1; k < lambdas.length; k++) expect(engagement[k]!).toBeLessThan(engagement[k - 1]! + 0.01);
    expect(engagement[0]! - engagement[lambdas.length - 1]!).toBeGreaterThan(0.015);
  });

  it('MMR with lambda = 1 is exactly the greedy policy (same model seed, same world)', () => {
    for (const s of sweeps) expect(s.result.metrics['mmr lambda=1']).toEqual(s.result.metrics['greedy-mf']);
    expect(sweeps[0]!.references[0]!.label).toBe('greedy-mf');
  });
});

describe('runSimulation', () => {
  const tiny: SimulationSpec = {
    ...DEFAULT_SIMULATION,
    users: 60,
    items: 120,
    rounds: 8,
    startupRounds: 2,
    retrainEvery: 3,
    policies: DEFAULT_SIMULATION.policies.map((policy) => ({ ...policy })),
  };

  it('identical seeds give identical metrics; another seed gives others', async () => {
    const a = await runSimulation({ ...tiny, seed: 11 });
    const b = await runSimulation({ ...tiny, seed: 11 });
    const c = await runSimulation({ ...tiny, seed: 12 });
    expect(b.metrics).toEqual(a.metrics);
    expect(b.trackedUser).toEqual(a.trackedUser);
    expect(c.metrics).not.toEqual(a.metrics);
    expect(Object.keys(a.metrics)).toEqual(['random', 'popularity', 'oracle', 'greedy-mf', 'epsilon-greedy epsilon=0.1', 'mmr lambda=0.5', 'calibrated lambda=0.5']);
  });

  it('reports every round of every policy through onRound, with finite metrics and a topic mix', async () => {
    const calls: { label: string; round: number; shares: number[] }[] = [];
    const result = await runSimulation(tiny, {
      onRound: (label, metrics, shares) => {
        for (const value of Object.values(metrics)) expect(Number.isFinite(value)).toBe(true);
        calls.push({ label, round: metrics.round, shares });
      },
    });
    expect(calls).toHaveLength(tiny.rounds * tiny.policies.length);
    expect(calls.slice(0, tiny.policies.length).every((call) => call.round === 0)).toBe(true);
    for (const call of calls) {
      expect(call.shares).toHaveLength(tiny.topics);
      const total = call.shares.reduce((sum, share) => sum + share, 0);
      // Either no consumption yet (all zeros) or a distribution (rounded to 1e-5 per share).
      if (total > 0) expect(total).toBeCloseTo(1, 3);
    }
    expect(result.trackedUser['oracle']).toHaveLength(tiny.rounds);
    expect(result.roundsCompleted).toBe(tiny.rounds);
    expect(result.cancelled).toBe(false);
  });

  it('stops between rounds when the signal aborts and returns the rounds done', async () => {
    const controller = new AbortController();
    const result = await runSimulation(tiny, {
      signal: controller.signal,
      onRound: (label, metrics) => {
        if (label === 'random' && metrics.round === 2) controller.abort();
      },
    });
    expect(result.cancelled).toBe(true);
    expect(result.roundsCompleted).toBe(3);
    for (const series of Object.values(result.metrics)) expect(series).toHaveLength(3);
  });

  it('uses the injected trainer for greedy-dlrm, and refuses greedy-dlrm without one', async () => {
    const fits: { round: number; length: number; itemCount: number }[] = [];
    // A stand-in for the DLRM trainer: scores by the logged click rate of each item.
    const trainer: ClickModelTrainer = {
      fit(log: InteractionLog, round: number): Scorer {
        fits.push({ round, length: log.length, itemCount: log.features.itemCount });
        const clicks = new Float32Array(log.features.itemCount);
        const shows = new Float32Array(log.features.itemCount);
        for (let row = 0; row < log.length; row++) {
          shows[log.items[row]!]! += 1;
          clicks[log.items[row]!]! += log.clicked[row]!;
        }
        return {
          score(_user, items, out) {
            for (let j = 0; j < items.length; j++) {
              const item = items[j]!;
              out[j] = item < clicks.length ? (clicks[item]! + 1) / (shows[item]! + 2) : 0.5;
            }
          },
        };
      },
    };
    const spec: SimulationSpec = { ...tiny, policies: [{ kind: 'greedy-dlrm' }] };
    const result = await runSimulation(spec, { dlrmTrainer: trainer });
    // Fits at the end of start-up (round 2) and every 3 rounds after: rounds 2 and 5.
    expect(fits.map((fit) => fit.round)).toEqual([2, 5]);
    expect(fits[0]!.length).toBe(2 * tiny.users * tiny.slateSize);
    expect(fits[1]!.itemCount).toBe(tiny.items + 5 * tiny.newItemsPerRound);
    expect(result.metrics['greedy-dlrm']).toHaveLength(tiny.rounds);
    await expect(runSimulation(spec)).rejects.toThrow(/policies\[0\]\.kind/);
  });

  it('an epsilon sweep widens catalogue coverage as epsilon grows', async () => {
    const result = await sweep({ ...tiny, rounds: 10 }, { parameter: 'epsilon', values: [0, 0.5], diversityMetric: 'coverage', references: [] });
    expect(result.points.map((point) => point.label)).toEqual(['epsilon-greedy epsilon=0', 'epsilon-greedy epsilon=0.5']);
    expect(result.points[1]!.diversity).toBeGreaterThan(result.points[0]!.diversity + 0.1);
    expect(result.references).toEqual([]);
  });

  it('a sweep reads each point from its own policy, even with repeated values', async () => {
    const result = await sweep({ ...tiny, rounds: 4 }, { parameter: 'lambda', values: [0.5, 0.5], references: ['mmr'] });
    const labels = [...result.points, ...result.references].map((point) => point.label);
    expect(new Set(labels).size).toBe(3);
    for (const label of labels) expect(result.result.metrics[label]).toHaveLength(4);
  });

  it('validates the spec at the boundary', async () => {
    await expect(runSimulation({ ...tiny, drift: 2 })).rejects.toThrow(/drift/);
  });

  it('extreme drift raises the share of extreme content the oracle serves', async () => {
    const spec: SimulationSpec = { ...tiny, users: 100, rounds: 20, policies: [{ kind: 'oracle' }] };
    const calm = await runSimulation({ ...spec, extremeDrift: 0 });
    const drifting = await runSimulation({ ...spec, extremeDrift: 0.5 });
    expect(meanOverLastRounds(drifting.metrics.oracle!, 'extremeShare', 5)).toBeGreaterThan(
      meanOverLastRounds(calm.metrics.oracle!, 'extremeShare', 5) + 0.1,
    );
  });

  it('churn: with churnAfter = 1 users leave after a slate without a click and never return', async () => {
    const result = await runSimulation({ ...tiny, churnAfter: 1, policies: [{ kind: 'random' }] });
    const active = result.metrics.random!.map((metrics) => metrics.activeUsers);
    expect(active[0]).toBe(tiny.users);
    for (let k = 1; k < active.length; k++) expect(active[k]!).toBeLessThanOrEqual(active[k - 1]!);
    expect(active[active.length - 1]!).toBeLessThan(tiny.users / 2);
  });
});
