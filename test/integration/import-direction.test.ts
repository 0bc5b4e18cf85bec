/**
 * The layering rules of docs/ARCHITECTURE.md, enforced: every relative import in src-main and
 * src-renderer is read, resolved to the folder it lands in, and checked against the table below.
 * A new folder needs a row here (the test fails and says so), so the rules stay written down.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkImports, collectImports, sourceFiles, type LayerRules } from '../support/imports';

const root = resolve(__dirname, '../..');

const ENGINE_LEAVES = ['domain', 'engine/random', 'engine/metrics'];

/**
 * What each folder may import (value or type). `types` lists folders it may import with
 * `import type` only. Test files (*.test.ts, *.testutil.ts, testing.ts) may also import any engine
 * folder (tests wire engine parts together), never the service, store or doors from the engine; a
 * door's tests may also open the store (to see what the door stored) and use engine/random.
 */
export const RULES: LayerRules = {
  domain: { may: [] },
  'engine/random': { may: [] },
  'engine/metrics': { may: [] },
  'engine/data': { may: [...ENGINE_LEAVES] },
  'engine/model': { may: [...ENGINE_LEAVES], types: ['engine/data'] },
  'engine/backend': { may: [...ENGINE_LEAVES] },
  'engine/gpu': { may: [...ENGINE_LEAVES, 'engine/data', 'engine/model', 'engine/backend'], types: ['engine/train'] },
  'engine/train': { may: [...ENGINE_LEAVES, 'engine/data', 'engine/model', 'engine/backend', 'engine/gpu'], types: ['engine/sim'] },
  'engine/explore': { may: [...ENGINE_LEAVES, 'engine/data', 'engine/model'] },
  'engine/cf': { may: [...ENGINE_LEAVES] },
  'engine/sim': { may: [...ENGINE_LEAVES, 'engine/cf'] },
  'engine/sweep': { may: [...ENGINE_LEAVES] },
  'engine/worker': {
    may: [...ENGINE_LEAVES, 'engine/data', 'engine/model', 'engine/backend', 'engine/gpu', 'engine/train', 'engine/explore', 'engine/sim', 'engine/cf', 'engine/sweep'],
  },
  native: { may: [] },
  store: { may: ['domain'] },
  service: { may: ['domain', 'store', 'native', 'engine/*', 'package.json'] },
  doors: { may: ['domain', 'service'] },
  'doors/cli': { may: ['domain', 'service', 'doors'] },
  'doors/web': { may: ['domain', 'service', 'doors', 'doors/cli'] },
  'doors/electron': { may: ['domain', 'service', 'doors', 'native'] },
  'doors/preload': { may: ['domain', 'service', 'doors'] },
  // The renderer shows the domain's vocabulary (plain data and pure functions, no Node) and takes
  // types from the service contract and the desktop bridge (doors/desktop-bridge.ts).
  renderer: { may: ['domain'], types: ['service', 'doors'] },
};

/** Files allowed to break a rule, each with its reason. */
const EXCEPTIONS: Record<string, string> = {
  'src-main/doors/csp.test.ts': 'checks that the development CSP in electron.vite.config.ts is the one the door declares',
  'src-main/engine/gpu/kit-main.ts': 'the GPU kit\'s command-line entry (an entry point, like the worker): it runs the benchmark in engine/train',
};

describe('import direction', () => {
  const files = [...sourceFiles(join(root, 'src-main')), ...sourceFiles(join(root, 'src-renderer/src'))];

  it('reads the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(100);
    const imports = collectImports(files.map((file) => ({ path: relative(root, file), text: readFileSync(file, 'utf8') })));
    // The service imports the engine, the renderer the contract: both kinds of arrow are seen.
    expect(imports.some((edge) => edge.from.startsWith('src-main/service/') && edge.to.startsWith('src-main/engine/'))).toBe(true);
    expect(imports.some((edge) => edge.from.startsWith('src-renderer/') && edge.to === 'src-main/service/contract')).toBe(true);
  });

  it('has no arrow against the rules', () => {
    const imports = collectImports(files.map((file) => ({ path: relative(root, file), text: readFileSync(file, 'utf8') })));
    const violations = checkImports(imports, RULES).filter((v) => !(v.from in EXCEPTIONS));
    expect(violations.map((v) => v.message)).toEqual([]);
  });

  it('fails on a planted import against the rules', () => {
    const planted = [
      { path: 'src-main/engine/model/planted.ts', text: "import { createStudioService } from '../../service/create';\n" },
      { path: 'src-main/engine/data/planted.ts', text: "import type { Dlrm } from '../model/dlrm';\n" },
      { path: 'src-main/store/planted.ts', text: "export { prepareDataset } from '../engine/data';\n" },
      { path: 'src-renderer/src/planted.ts', text: "const job = await import('../../src-main/engine/train/trainer');\n" },
      { path: 'src-main/engine/model/planted-type.ts', text: "import type {\n  TrainJob,\n} from '../train/trainer';\n" },
      { path: 'src-main/engine/newfolder/planted.ts', text: "import type { ModelSpec } from '../../domain';\n" },
      { path: 'src-renderer/src/lib/planted.ts', text: "import { IPC_CHANNELS } from '../../../src-main/doors/desktop-bridge';\n" },
    ];
    const violations = checkImports(collectImports(planted), RULES);
    expect(violations.map((v) => v.from)).toEqual(planted.map((p) => p.path));
    expect(violations[5].message).toContain('no rule');
    // The renderer may read the domain's values, but only types from the doors.
    const rendererOk = collectImports([
      { path: 'src-renderer/src/lib/ok.ts', text: "import type { PreloadApi } from '../../../src-main/doors/desktop-bridge';\nimport { policyLabel } from '../../../src-main/domain/simulation-vocabulary';\n" },
    ]);
    expect(checkImports(rendererOk, RULES)).toEqual([]);
    // A type-only import where types are allowed passes; the same as a value import does not.
    const typeOk = collectImports([{ path: 'src-main/engine/model/ok.ts', text: "import type { Batch } from '../data/types';\n" }]);
    expect(checkImports(typeOk, RULES)).toEqual([]);
    const valueBad = collectImports([{ path: 'src-main/engine/model/bad.ts', text: "import { sliceBatch } from '../data/batch';\n" }]);
    expect(checkImports(valueBad, RULES)).toHaveLength(1);
  });
});
