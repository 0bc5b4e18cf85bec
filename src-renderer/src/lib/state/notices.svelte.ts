/** App-wide messages: failed calls (kept until dismissed) and short confirmations (fade after a while). */
import { errorMessage } from '../format';

export interface Notice {
  id: number;
  kind: 'error' | 'success';
  /** What was being done, e.g. "Deleting runs". */
  context: string;
  message: string;
}

export class NoticesState {
  items = $state<Notice[]>([]);
  private nextId = 1;

  /** Records a failed action; returns the message for inline display too. */
  error(context: string, error: unknown): string {
    const message = errorMessage(error);
    this.items.push({ id: this.nextId++, kind: 'error', context, message });
    if (this.items.length > 5) this.items.splice(0, this.items.length - 5);
    return message;
  }

  success(message: string): void {
    const id = this.nextId++;
    this.items.push({ id, kind: 'success', context: '', message });
    setTimeout(() => this.dismiss(id), 5000);
  }

  dismiss(id: number): void {
    const index = this.items.findIndex((item) => item.id === id);
    if (index !== -1) this.items.splice(index, 1);
  }
}
