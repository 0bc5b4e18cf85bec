/**
 * Not a unit test: the speed benchmark (no timed assertions; it prints the times). It is outside the
 * test suite's file pattern and runs with `npm run bench:sim`; SIM_BENCH_ALL=1 also times every
 * policy kind except greedy-dlrm on the same world.
 */
import { describe, expect, it } from 'vitest';
import type { PolicySpec } from '../../domain';
import { benchSimulation } from './bench';

describe('simulation benchmark', () => {
  it('1,000 users x 2,000 items x 100 rounds, greedy-mf retrained every 10 rounds', async () => {
    const bench = await benchSimulation();
    console.log(`greedy-mf: ${(bench.millis / 1000).toFixed(2)} s wall, ${(bench.cpuMillis / 1000).toFixed(2)} s CPU, ${bench.millisPerRound.toFixed(1)} ms/round`, bench.lastRound);
    expect(bench.lastRound['greedy-mf']).toBeDefined();
  });

  it.runIf(process.env.SIM_BENCH_ALL === '1')('every policy kind except greedy-dlrm', async () => {
    const policies: PolicySpec[] = [
      { kind: 'random' },
      { kind: 'popularity' },
      { kind: 'oracle' },
      { kind: 'greedy-mf' },
      { kind: 'epsilon-greedy', epsilon: 0.1 },
      { kind: 'mmr', lambda: 0.5 },
      { kind: 'calibrated', lambda: 0.5 },
    ];
    const bench = await benchSimulation({ policies });
    console.log(`7 policies: ${(bench.millis / 1000).toFixed(2)} s wall, ${(bench.cpuMillis / 1000).toFixed(2)} s CPU, ${bench.millisPerRound.toFixed(1)} ms/round`, bench.lastRound);
    expect(Object.keys(bench.lastRound)).toHaveLength(7);
  });
});
