#!/usr/bin/env node
// kill -9 loop (issue #13): trains with the CLI and kills it with SIGKILL at random moments, 20
// times by default: while it starts, prepares the data, trains, writes a checkpoint. After each kill:
// the database must pass integrity_check, and once the app opens it again every killed run must be
// `interrupted` (or `finished`, when it ended before the kill). Most iterations resume the last
// killed run, so one run is killed many times. At the end every interrupted run is resumed to the
// end, and the run killed most often must reach the same test metrics as an uninterrupted run of
// the same configuration (resume is exact). Prints one result line, exit status 1 on any failure.
//
//   npm run build && node scripts/kill-loop.mjs [--kills 20] [--seed 1] [--max-delay 6]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// a private copy of the build (inside the checkout, so node_modules resolves): a rebuild of out/
// while the loop runs cannot pull the files from under it
if (!existsSync(join(root, 'out/main/cli.js'))) throw new Error('out/main/cli.js is missing: run `npm run build` first');
mkdirSync(join(root, 'test-artifacts'), { recursive: true });
const build = mkdtempSync(join(root, 'test-artifacts', 'kill-loop-build-'));
cpSync(join(root, 'out/main'), join(build, 'main'), { recursive: true });
const cli = join(build, 'main/cli.js');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}
const kills = option('kills', 20);
const seed = option('seed', Number(process.env.KILL_LOOP_SEED ?? 1));
const maxDelay = option('max-delay', 6);

// a small seeded generator (mulberry32) for the kill moments and the choices
let state = seed >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const dataDir = mkdtempSync(join(tmpdir(), 'dlrm-kill-loop-'));
const dbPath = join(dataDir, 'studio.sqlite');
// small enough that a run is a few seconds of training; a checkpoint every 10 of its 134 steps
const TRAIN = ['--data', 'synthetic', '--rows', '20000', '--hash-size', '2000', '--dim', '8', '--bottom', '13-16-8', '--top', '16-1',
  '--batch', '128', '--epochs', '1', '--eval-every', '0', '--checkpoint-every', '10', '--seed', '7', '--backend', 'wasm', '--threads', '1'];

function cliJson(args) {
  const result = spawnSync(process.execPath, [cli, ...args, '--data-dir', dataDir, '--json'], { encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0 && result.status !== 1) throw new Error(`cli ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** integrity_check straight after the kill, before the app opens (and recovers) the database. */
function integrity() {
  let db;
  try {
    db = new Database(dbPath, { fileMustExist: true });
  } catch {
    return 'no database yet';
  }
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

const failures = [];
const stages = { starting: 0, preparing: 0, training: 0, finishedFirst: 0 };
const killedRuns = new Map(); // id -> times killed
let interruptedChecks = 0;
let interruptedOk = 0;
let integrityOk = 0;
let last = null; // the run to resume next

for (let k = 0; k < kills; k++) {
  const before = new Set(listRuns().map((r) => r.id));
  const resume = last !== null && random() < 0.8;
  const args = resume ? ['resume', '--run', last] : ['train', ...TRAIN];
  const child = spawn(process.execPath, [cli, ...args, '--data-dir', dataDir, '--json'], { stdio: 'ignore' });
  const delay = 0.2 + random() * (maxDelay - 0.2);
  await new Promise((r) => setTimeout(r, delay * 1000));
  const exitedBefore = child.exitCode !== null;
  child.kill('SIGKILL');
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));

  const check = integrity();
  if (check === 'ok' || check === 'no database yet') integrityOk++;
  else failures.push(`kill ${k + 1}: integrity_check says ${check}`);

  // opening the app's store marks the runs of dead processes interrupted
  const runs = listRuns();
  const killed = resume ? runs.find((r) => r.id === last) : runs.find((r) => !before.has(r.id));
  if (!killed) {
    stages.starting++;
    continue;
  }
  killedRuns.set(killed.id, (killedRuns.get(killed.id) ?? 0) + 1);
  const detail = cliJson(['runs', 'show', killed.id]);
  if (exitedBefore || detail.status === 'finished') {
    stages.finishedFirst++;
    if (detail.status !== 'finished') failures.push(`kill ${k + 1}: run ${killed.id} exited by itself as ${detail.status}: ${detail.error}`);
    last = null;
    continue;
  }
  interruptedChecks++;
  if (detail.status === 'interrupted') interruptedOk++;
  else failures.push(`kill ${k + 1} after ${delay.toFixed(2)} s: run ${killed.id} is ${detail.status}, not interrupted`);
  if (detail.startedAt === null) stages.preparing++;
  else stages.training++;
  last = killed.id;
}

// every interrupted run resumes to the end
let resumed = 0;
for (const run of listRuns().filter((r) => r.status === 'interrupted')) {
  const detail = cliJson(['resume', '--run', run.id]);
  if (detail.status === 'finished') resumed++;
  else failures.push(`resume of ${run.id} ended ${detail.status}: ${detail.error}`);
}
const interruptedLeft = listRuns().filter((r) => r.status === 'interrupted').length;

// the run killed most often against an uninterrupted run of the same configuration
const [mostKilled, timesKilled] = [...killedRuns].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
let exact = 'no run was killed';
if (mostKilled !== null) {
  const reference = cliJson(['train', ...TRAIN]);
  const resumedRun = cliJson(['runs', 'show', mostKilled]);
  const same = reference.status === 'finished' && resumedRun.status === 'finished' && reference.test.logLoss === resumedRun.test.logLoss && reference.test.auc === resumedRun.test.auc;
  exact = `run killed ${timesKilled}x: test logloss ${resumedRun.test?.logLoss}, uninterrupted ${reference.test?.logLoss}${same ? ' (identical)' : ''}`;
  if (!same) failures.push(`the run killed ${timesKilled} times ended at test ${JSON.stringify(resumedRun.test)}, the uninterrupted one at ${JSON.stringify(reference.test)}`);
}

const finalCheck = integrity();
if (finalCheck !== 'ok') failures.push(`final integrity_check: ${finalCheck}`);
console.log(
  `kill-loop (seed ${seed}): ${kills} kill -9s (${stages.starting} while starting, ${stages.preparing} while preparing data, ${stages.training} while training, ${stages.finishedFirst} after the run had finished); ` +
    `integrity_check ok ${integrityOk}/${kills}; killed runs interrupted ${interruptedOk}/${interruptedChecks}; ${resumed} resumed to the end, ${interruptedLeft} left interrupted; ${exact}; ` +
    `${failures.length === 0 ? 'PASS' : `FAIL (${failures.length})`}`,
);
for (const f of failures) console.log(`  - ${f}`);
rmSync(build, { recursive: true, force: true });
if (failures.length === 0) rmSync(dataDir, { recursive: true, force: true });
else console.log(`  (data kept in ${dataDir})`);
process.exit(failures.length === 0 ? 0 : 1);

function listRuns() {
  const result = spawnSync(process.execPath, [cli, 'runs', 'list', '--data-dir', dataDir, '--json'], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`runs list failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}
