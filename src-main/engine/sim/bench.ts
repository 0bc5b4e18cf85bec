/**
 * Speed benchmark of the simulation at the size the issue asks for: 1,000 users x 2,000 items x
 * 100 rounds, retraining every 10 rounds, engagement-greedy on matrix factorisation.
 * Run: `npm run bench:sim` (bench.run.ts) or `node out/main/cli.js bench simulation`.
 */
import type { PolicySpec, SimulationSpec } from '../../domain';
import { runSimulation, type SimulationRunOptions } from './simulate';
import { DEFAULT_SIMULATION } from './spec';

export const BENCH_SIMULATION: Readonly<SimulationSpec> = Object.freeze({
  ...DEFAULT_SIMULATION,
  name: 'benchmark',
  seed: 7,
  users: 1000,
  items: 2000,
  rounds: 100,
  retrainEvery: 10,
  policies: [{ kind: 'greedy-mf' }] as PolicySpec[],
});

export interface SimulationBenchResult {
  spec: SimulationSpec;
  /** Wall-clock time. */
  millis: number;
  /** CPU time of this process (user + system) during the run: less sensitive to other load on the machine. */
  cpuMillis: number;
  millisPerRound: number;
  /** Mean click rate and homogenisation of the last round, per policy (to see the run did something). */
  lastRound: Record<string, { clickRate: number; homogenization: number; coverage: number }>;
}

/** Times one simulation (default: BENCH_SIMULATION; pass policies to time others, e.g. with a DLRM trainer). */
export async function benchSimulation(
  overrides: Partial<SimulationSpec> = {},
  options: Omit<SimulationRunOptions, 'onRound'> = {},
): Promise<SimulationBenchResult> {
  const spec: SimulationSpec = { ...BENCH_SIMULATION, ...overrides };
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const result = await runSimulation(spec, options);
  const millis = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const lastRound: SimulationBenchResult['lastRound'] = {};
  for (const [label, series] of Object.entries(result.metrics)) {
    const last = series[series.length - 1];
    if (last !== undefined) lastRound[label] = { clickRate: last.clickRate, homogenization: last.homogenization, coverage: last.coverage };
  }
  return { spec: result.spec, millis, cpuMillis: (cpu.user + cpu.system) / 1000, millisPerRound: millis / Math.max(1, result.roundsCompleted), lastRound };
}
