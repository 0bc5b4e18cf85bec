// Installers (`npm run dist`): AppImage and .deb on Linux, .dmg on macOS, NSIS on Windows, each for
// the machine it runs on (electron-builder downloads Electron and its packaging tools: needs the
// network). `npm run dist` first builds every door and obtains Electron's build of better-sqlite3
// (out/main/native-setup.js, src-main/native); this file packs that build as
// <resources>/native/better_sqlite3.node, where the installed app's Electron door loads it from.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const abi = require('node-abi').getAbi(electronVersion, 'electron');
// Same folder as src-main/native/addons.ts checkoutSqliteBinding().
const electronSqlite = join('out', 'native', `electron-v${abi}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
if (!existsSync(join(root, electronSqlite))) {
  throw new Error(`${electronSqlite} is missing: run npm run dist (it obtains it first), or npm run rebuild:electron`);
}

// webgpu ships dawn.node for every platform (about 20 MB each): keep this platform's only.
const webgpuHere = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
const otherWebgpuBuilds = ['darwin-universal', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64']
  .filter((dir) => dir !== webgpuHere)
  .map((dir) => `!node_modules/webgpu/dist/${dir}/**`);

/** @type {import('electron-builder').Configuration} */
export default {
  appId: 'org.dlrmstudio.app',
  productName: 'DLRM Studio',
  directories: { output: 'dist', buildResources: 'resources' },
  files: [
    'package.json',
    'out/main/**',
    'out/preload/**',
    'out/renderer/**',
    '!out/native/**',
    // Run under Node by npm start / npm run dist only.
    '!out/main/native-setup.js',
    // better-sqlite3's sources and its Node build: the app loads the Electron build from resources/native.
    '!node_modules/better-sqlite3/{build,deps,src}/**',
    ...otherWebgpuBuilds,
    // Source maps are two thirds of the tfjs packages' size (215 of 331 MB measured with electron-builder 26.17).
    '!**/*.map',
  ],
  extraResources: [{ from: electronSqlite, to: 'native/better_sqlite3.node' }],
  // Native binaries stay real files next to app.asar (app.asar.unpacked), where dlopen can load them.
  asarUnpack: ['**/*.node'],
  // Never rebuild node_modules in place: that would give Electron's ABI to the Node build the tests,
  // web mode and CLI use. Electron's own build comes from extraResources above.
  npmRebuild: false,
  linux: {
    target: ['AppImage', 'deb'],
    icon: 'resources/icons',
    category: 'Science',
    executableName: 'dlrm-studio',
    maintainer: 'DLRM Studio <dlrm-studio@users.noreply.github.com>',
  },
  mac: { target: ['dmg'], icon: 'resources/icon.png', category: 'public.app-category.developer-tools' },
  win: { target: ['nsis'], icon: 'resources/icon.png' },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
};
