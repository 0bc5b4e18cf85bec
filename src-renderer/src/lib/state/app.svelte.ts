/** What the app loads once: app.info (backends, data folder, door) and the model presets. */
import type { AppInfo, PresetInfo, StudioClient } from '../../../../src-main/service/contract';
import { errorMessage } from '../format';

export class AppState {
  info = $state<AppInfo | null>(null);
  infoError = $state<string | null>(null);
  presets = $state<PresetInfo[]>([]);
  presetsLoaded = $state(false);
  presetsError = $state<string | null>(null);
  private readonly client: StudioClient;

  constructor(client: StudioClient) {
    this.client = client;
  }

  async load(): Promise<void> {
    await Promise.all([this.loadInfo(), this.loadPresets()]);
  }

  async loadInfo(): Promise<void> {
    try {
      this.info = await this.client.call('app.info', {});
      this.infoError = null;
    } catch (error) {
      this.infoError = errorMessage(error);
    }
  }

  async loadPresets(): Promise<void> {
    try {
      this.presets = await this.client.call('presets.list', {});
      this.presetsError = null;
    } catch (error) {
      this.presetsError = errorMessage(error);
    } finally {
      this.presetsLoaded = true;
    }
  }

  /** The fastest backend that loads here, as app.info lists them fastest first. */
  get bestBackend(): string | null {
    return this.info?.defaultBackend ?? null;
  }
}
