/** The run a new sweep starts from, handed over by the New run form ("Search settings (sweep)…"). */
import type { StartRunInput } from '../../../../src-main/service/contract';

let draft: StartRunInput | null = null;

export function setSweepDraft(input: StartRunInput): void {
  draft = structuredClone(input);
}

/** The draft, if the New run form left one (kept, so going back and forth keeps it). */
export function sweepDraft(): StartRunInput | null {
  return draft === null ? null : structuredClone(draft);
}
