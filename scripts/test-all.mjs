#!/usr/bin/env node
// `npm test`: build every door, type-check, run the unit + integration suites, then the browser
// (end-to-end) suite, and print one closing line totalled over all of them:
//   N passed, N failed, N skipped
// Exit status is non-zero if any step or any test failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const reportDir = join(root, 'test-artifacts/reports');
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
let stepFailed = false;

function run(label, command, args) {
  console.log(`\n=== ${label}: ${[command, ...args].join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  console.log(`=== ${label}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds} s`);
  return ok;
}

function vitestSuite(label, configArgs, reportName) {
  const report = join(reportDir, reportName);
  const ok = run(label, bin('vitest'), ['run', ...configArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  if (!existsSync(report)) {
    console.log(`=== ${label}: no report written; counting the suite as one failure`);
    totals.failed += 1;
    return;
  }
  const summary = JSON.parse(readFileSync(report, 'utf8'));
  totals.passed += summary.numPassedTests ?? 0;
  totals.failed += summary.numFailedTests ?? 0;
  totals.skipped += (summary.numPendingTests ?? 0) + (summary.numTodoTests ?? 0);
  // A suite file that failed to load has no tests but must not pass silently.
  const brokenFiles = (summary.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  totals.failed += brokenFiles;
  if (!ok && summary.numFailedTests === 0 && brokenFiles === 0) totals.failed += 1;
}

if (!run('build', process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'])) stepFailed = true;
if (!run('typecheck main', bin('tsc'), ['--noEmit', '-p', 'tsconfig.node.json'])) stepFailed = true;
if (!run('typecheck browser tests', bin('tsc'), ['--noEmit', '-p', 'tsconfig.e2e.json'])) stepFailed = true;
if (!run('typecheck renderer', bin('svelte-check'), ['--tsconfig', './tsconfig.web.json', '--threshold', 'error', '--output', 'human'])) stepFailed = true;
vitestSuite('unit + integration tests', [], 'unit.json');
if (!stepFailed) vitestSuite('browser tests (web mode, chromium)', ['--config', 'vitest.e2e.config.ts'], 'e2e.json');
else console.log('\n=== browser tests skipped: the build or type-check failed');

if (stepFailed) totals.failed += 1;
const skippedPart = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
console.log(`\n${totals.passed} passed, ${totals.failed} failed${skippedPart}`);
process.exit(totals.failed > 0 || stepFailed ? 1 : 0);
