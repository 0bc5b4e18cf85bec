/**
 * Closed-loop simulations: validated at the boundary by the engine's own validator, run in a worker,
 * each round stored as it completes so the UI can plot curves live, rerunnable to identical numbers.
 */
import type { AntidoteExperimentResult, AntidoteInput, MfTieInput, MfTieResult, SimulationSpec } from './contract';
import type { MethodHandlers, ServiceContext } from './context';
import type { SimulationJobEvent, SimulationJobPayload } from '../engine/worker/job-types';
import type { MfTieJobPayload } from '../engine/worker/mf-tie-job';
import { DEFAULT_SIMULATION, POLICY_DESCRIPTIONS, validateSimulationSpec } from '../engine/sim';
import { JobError, type JobHandle } from './jobs';
import { ApiError, array, badRequest, empty, integer, number, object, oneOf, onlyKeys } from './validate';
import { parseIdInput, parseStartRunInput } from './inputs';

export class SimulationManager {
  private readonly active = new Map<string, JobHandle<unknown>>();

  constructor(private readonly ctx: ServiceContext) {}

  start(spec: SimulationSpec): string {
    const store = this.ctx.store;
    const id = store.createSimulation(spec);
    const payload: SimulationJobPayload = { spec };
    store.setSimulationStatus(id, 'running');
    this.ctx.emit({ type: 'sim-status', simId: id, status: 'running', error: null });
    const handle = this.ctx.jobs.start<unknown>({ kind: 'simulate', payload }, (raw) => {
      const event = raw as SimulationJobEvent;
      if (event.type !== 'round') return;
      store.appendSimulationRounds(id, [{ policy: event.policy, metrics: event.metrics, trackedTopicShares: event.trackedTopicShares ?? undefined }], event.progress);
      this.ctx.emit({ type: 'sim-progress', simId: id, round: event.round, rounds: event.rounds, policy: event.policy });
    });
    this.active.set(id, handle);
    handle.done
      .then(() => this.end(id, 'finished', null))
      .catch((err: unknown) => {
        const cancelled = err instanceof JobError && err.cancelled;
        this.end(id, cancelled ? 'cancelled' : 'failed', cancelled ? null : err instanceof Error ? err.message : String(err));
      })
      .finally(() => this.active.delete(id));
    return id;
  }

  cancel(id: string): void {
    const handle = this.active.get(id);
    if (!handle) throw new ApiError(`simulation ${id} is not running`, 'conflict');
    handle.cancel();
  }

  isRunning(id: string): boolean {
    return this.active.has(id);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.active.values()].map((h) => h.terminate()));
  }

  private end(id: string, status: 'finished' | 'failed' | 'cancelled', error: string | null): void {
    try {
      this.ctx.store.setSimulationStatus(id, status, error);
    } catch {
      // Deleted meanwhile.
    }
    this.ctx.emit({ type: 'sim-status', simId: id, status, error });
  }
}

export function simulationMethods(ctx: ServiceContext, manager: SimulationManager): MethodHandlers {
  return {
    'sim.start': (input) => {
      let spec: SimulationSpec;
      try {
        // Fields the caller leaves out take the engine's defaults (the CLI and the UI send partial specs).
        spec = validateSimulationSpec({ ...DEFAULT_SIMULATION, ...object(input) });
      } catch (err) {
        const e = err as Error & { field?: string };
        throw badRequest(e.field ?? 'spec', e.message);
      }
      return { id: manager.start(spec) };
    },
    'sim.cancel': (input) => {
      manager.cancel(parseIdInput(input).id);
      return { ok: true };
    },
    'sim.list': (input) => {
      empty(input);
      return ctx.store.listSimulations();
    },
    'sim.get': (input) => ctx.store.getSimulation(parseIdInput(input).id),
    'sim.antidote': (input) => {
      const o = object(input);
      onlyKeys(o, ['seed', 'budgets', 'objective']);
      const payload: AntidoteInput = {};
      if (o['seed'] !== undefined) payload.seed = integer(o['seed'], 'seed', 0, 2 ** 31 - 1);
      if (o['budgets'] !== undefined) {
        payload.budgets = array(o['budgets'], 'budgets', (v, field) => {
          const share = number(v, field, { max: 1 });
          if (!(share > 0)) throw badRequest(field, 'must be > 0 (a share of the users)');
          return share;
        }, { min: 1, max: 8 });
      }
      if (o['objective'] !== undefined) payload.objective = oneOf(o['objective'], 'objective', ['polarization', 'unfairness'] as const);
      return ctx.jobs.start<AntidoteExperimentResult>({ kind: 'antidote', payload }, () => undefined).done;
    },
    'sim.mfTie': (input) => {
      const o = object(input);
      onlyKeys(o, ['seed', 'factors', 'data']);
      const request: MfTieInput = {};
      if (o['seed'] !== undefined) request.seed = integer(o['seed'], 'seed', 0, 2 ** 31 - 1);
      if (o['factors'] !== undefined) request.factors = integer(o['factors'], 'factors', 1, 64);
      if (o['data'] !== undefined) {
        const data = object(o['data'], 'data');
        onlyKeys(data, ['base', 'userField', 'itemField'], 'data');
        const userField = integer(data['userField'], 'data.userField', 0, 1000);
        const itemField = integer(data['itemField'], 'data.itemField', 0, 1000);
        if (userField === itemField) throw new ApiError('data.itemField: the user and the item must be two different fields', 'bad-request', 'data.itemField');
        request.data = { base: parseStartRunInput(data['base'], ctx.paths), userField, itemField };
      }
      const payload: MfTieJobPayload = { input: request, cacheDir: ctx.cacheDir };
      return ctx.jobs.start<MfTieResult>({ kind: 'mf-tie', payload }, () => undefined).done;
    },
    'sim.policies': (input) => {
      empty(input);
      return POLICY_DESCRIPTIONS.map((description) => ({ ...description }));
    },
    'sim.delete': (input) => {
      const { id } = parseIdInput(input);
      if (manager.isRunning(id)) throw new ApiError(`cancel simulation ${id} before deleting it`, 'conflict');
      if (!ctx.store.deleteSimulation(id)) throw new ApiError(`no simulation with id ${id}`, 'not-found');
      return { ok: true };
    },
  };
}
