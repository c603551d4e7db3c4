import { call } from './connect.js';

export async function showToast(text: string, options: { durationMs?: number } = {}): Promise<void> {
  await call(
    'ui.showToast',
    options.durationMs === undefined ? { text } : { text, durationMs: options.durationMs },
  );
}

/** Sets the title in the host-drawn title bar. */
export async function setTitle(title: string): Promise<void> {
  await call('ui.setTitle', { title });
}
