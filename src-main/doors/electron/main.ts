/**
 * Electron main process: one hardened window over the service. Training runs in worker threads that
 * the service starts, so this process stays responsive. Transport only; no product logic here.
 */
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bindFilePicker, bindServiceToIpc, forwardEvents } from './ipc';
import { CONTENT_SECURITY_POLICY, developmentPolicy } from '../csp';
import { createStudioService } from '../../service/create';
import { electronNativeAddons, electronSqliteBinding, packageDirFrom, REBUILD_ELECTRON_COMMAND } from '../../native/addons';
import { findAddonProblems, problemsLine } from '../../native/check';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '../renderer');
const rendererIndex = join(rendererDir, 'index.html');
const devServerUrl = process.env['ELECTRON_RENDERER_URL'];
/** The window's icon (Linux and Windows; macOS takes the bundle's): resources/ sits at the app's root. */
const windowIcon = join(app.getAppPath(), 'resources', 'icon.png');

function isOwnUrl(url: string): boolean {
  if (devServerUrl && url.startsWith(devServerUrl)) return true;
  return url.startsWith(pathToFileURL(rendererDir).href + '/');
}

/**
 * Electron's own build of better-sqlite3 (src-main/native), after an ABI check of every native addon
 * this process and its worker threads will load. When one would not load: one line on the console
 * (and a dialog in an installed app, which has no console) saying what and the fix; then null.
 */
function checkedSqliteBinding(): string | null {
  const runtime = { name: `Electron ${process.versions['electron'] ?? 'unknown'}`, abi: Number(process.versions.modules) };
  const place = { isPackaged: app.isPackaged, resourcesPath: process.resourcesPath, appPath: app.getAppPath() };
  const sqliteBinding = electronSqliteBinding({ ...place, abi: runtime.abi, platform: process.platform, arch: process.arch });
  const addons = electronNativeAddons({
    sqliteBinding,
    sqliteFix: app.isPackaged ? 'reinstall DLRM Studio' : REBUILD_ELECTRON_COMMAND,
    packageDir: packageDirFrom(import.meta.url),
    env: process.env,
    platform: process.platform,
    arch: process.arch,
  });
  const problem = problemsLine(findAddonProblems(addons, runtime), runtime);
  if (problem === null) return sqliteBinding;
  console.error(`DLRM Studio could not start: ${problem}`);
  if (app.isPackaged) dialog.showErrorBox('DLRM Studio could not start', problem);
  return null;
}

async function main(): Promise<void> {
  await app.whenReady();
  const nativeBinding = checkedSqliteBinding();
  if (nativeBinding === null) {
    app.exit(1);
    return;
  }
  // No dataDir: the same folder as the CLI and web mode (DLRM_STUDIO_DATA_DIR or the platform's
  // app-data folder), so runs made from any door appear in the app.
  const service = await createStudioService({ door: 'electron', workerDir: here, nativeBinding });

  // Strict CSP on every response (relaxed for Vite's inline styles and websocket only under the dev
  // server), and no permission (camera, notifications, ...) is ever granted.
  const policy = devServerUrl ? developmentPolicy(CONTENT_SECURITY_POLICY) : CONTENT_SECURITY_POLICY;
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  // No remote content: refuse navigation away from the app and every new window; open http(s) links
  // the user clicks in the system browser instead.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isOwnUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  bindServiceToIpc(ipcMain, service, { isTrustedSender: isOwnUrl });

  const window = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 1024,
    minHeight: 700,
    title: 'DLRM Studio',
    icon: windowIcon,
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  bindFilePicker(ipcMain, (options) => dialog.showOpenDialog(window, options), { isTrustedSender: isOwnUrl });
  const stopEvents = forwardEvents(service, window.webContents);
  window.on('closed', stopEvents);
  window.once('ready-to-show', () => window.show());
  if (devServerUrl) await window.loadURL(devServerUrl);
  else await window.loadFile(rendererIndex);

  app.on('window-all-closed', () => {
    void service.close().finally(() => app.quit());
  });
}

main().catch((err: unknown) => {
  console.error(`DLRM Studio could not start: ${err instanceof Error ? err.message : String(err)}`);
  app.exit(1);
});
