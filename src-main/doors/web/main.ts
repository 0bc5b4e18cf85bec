/**
 * `npm run web` / `node out/main/web.js`: the app in a browser. Binds 127.0.0.1, prints the URL with
 * its access token, and serves the same service the desktop app uses.
 *
 *   --port N        port (default 5180; 0 picks a free one)
 *   --data-dir DIR  where the database and run files live (default: the platform's app-data folder)
 *   --no-open       do not try to open a browser
 *   --allow-dir DIR[,DIR...]  the only folders whose data files the page may read or write (the
 *                   setting allowedDirs; also DLRM_STUDIO_ALLOWED_DIRS, folders separated by the
 *                   platform's path delimiter; default: your home folder and the data folder)
 */
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { startWebServer } from './server';
import { createStudioService } from '../../service/create';
import { parseArgs } from '../cli/args';

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { port: 'number', 'data-dir': 'string', 'no-open': 'boolean', 'allow-dir': 'list', help: 'boolean' });
  if (args.options['help']) {
    console.log('usage: npm run web -- [--port N] [--data-dir DIR] [--no-open] [--allow-dir DIR[,DIR...]]');
    return;
  }
  const fromFlag = args.options['allow-dir'];
  const fromEnv = process.env['DLRM_STUDIO_ALLOWED_DIRS']?.split(delimiter).filter((d) => d.trim() !== '');
  const allowedDirs = Array.isArray(fromFlag) ? fromFlag : fromEnv !== undefined && fromEnv.length > 0 ? fromEnv : undefined;
  const service = await createStudioService({
    door: 'web',
    workerDir: here,
    ...(typeof args.options['data-dir'] === 'string' ? { dataDir: args.options['data-dir'] } : {}),
    ...(allowedDirs !== undefined ? { allowedDirs } : {}),
  });
  const port = typeof args.options['port'] === 'number' ? args.options['port'] : 5180;
  const server = await startWebServer(service, { staticDir: join(here, '../renderer'), port });
  console.log(`DLRM Studio web mode (data in ${service.dataDir})`);
  console.log(`Data files may be read and written under: ${(service.context.paths.allowedDirs ?? []).join(', ')} (--allow-dir to change)`);
  console.log(`Open ${server.openUrl}`);
  console.log('The token in that link is required for every request; press Ctrl+C to stop.');
  if (!args.options['no-open'] && process.env['CI'] !== 'true') tryOpenBrowser(server.openUrl);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping: running jobs are checkpointed where possible and marked interrupted.');
    void Promise.all([server.close(), service.close()]).finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function tryOpenBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No desktop opener (a headless server): the printed link is enough.
  }
}

main().catch((err: unknown) => {
  console.error(`DLRM Studio web mode could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
