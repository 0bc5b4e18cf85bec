/**
 * The domain's nouns, declared once: what a run, a dataset, a metric, a projection, a simulation and
 * an event are. A leaf: imports nothing outside this folder. The engine, the store, the service and
 * (through service/contract.ts) the doors and the renderer import these types from here.
 */
export type * from './run-config';
export type * from './metrics';
export type * from './dataset';
export type * from './runs';
export type * from './explore';
export type * from './simulation';
export * from './simulation-vocabulary';
export type * from './bench';
export type * from './app';
export type * from './events';
export { RUN_FILES } from './run-files';
export type * from './early-stopping';
export type * from './sweep';
export type * from './torch-job';
export type * from './sharding';
export type * from './sharding-advice';
export type * from './memory';
export type * from './mf-tie';
export { MF_TIE_MAX_CELLS } from './mf-tie';
export type * from './collaborative-ctr';
export { formatBytes } from './memory';
export { secondsLeftAtPace } from './events';
