/** Light / dark theme: follows the system unless the user picked one; the choice is remembered. */

export type ThemeChoice = 'system' | 'light' | 'dark';
const STORAGE_KEY = 'dlrm-studio.theme';

export class ThemeState {
  choice = $state<ThemeChoice>(readChoice());
  systemDark = $state(window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false);
  resolved = $derived<'light' | 'dark'>(this.choice === 'system' ? (this.systemDark ? 'dark' : 'light') : this.choice);

  /** Watches the system preference; returns the stop function. */
  start(): () => void {
    const query = window.matchMedia?.('(prefers-color-scheme: dark)');
    const onChange = (event: MediaQueryListEvent) => {
      this.systemDark = event.matches;
    };
    query?.addEventListener('change', onChange);
    return () => query?.removeEventListener('change', onChange);
  }

  /** Cycles system -> light -> dark -> system. */
  cycle(): void {
    this.set(this.choice === 'system' ? 'light' : this.choice === 'light' ? 'dark' : 'system');
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    try {
      window.localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // not remembered when storage is disabled
    }
  }
}

function readChoice(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  } catch {
    return 'system';
  }
}
