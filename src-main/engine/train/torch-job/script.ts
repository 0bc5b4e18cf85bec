/** The training script of exported torch.distributed jobs, as text (bundled by Vite's ?raw import). */
import script from './train_dlrm_hybrid.py?raw';

export const TORCH_JOB_SCRIPT: string = script;
