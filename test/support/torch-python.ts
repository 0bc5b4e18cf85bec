/** Finding a Python 3 that imports torch and numpy, for the tests of the exported torch.distributed job. */
import { spawnSync } from 'node:child_process';

export const TORCH_INSTALL_HINT =
  'this test needs Python 3 with PyTorch and NumPy: on Debian/Ubuntu `apt-get install -y python3-torch python3-numpy` ' +
  '(or `pip install torch numpy`), or point DLRM_STUDIO_PYTHON at a python3 that has them';

/** DLRM_STUDIO_PYTHON, else /usr/bin/python3 (Debian's torch), else python3 on the PATH; null when none imports torch. */
export function findTorchPython(): string | null {
  const candidates = [process.env['DLRM_STUDIO_PYTHON'], '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status === 0) return candidate;
  }
  return null;
}
