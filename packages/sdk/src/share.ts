import { call } from './connect.js';

/** Posts a card into a chat the user picks; opening the card opens the app at `path`. */
export function toChat(params: {
  title: string;
  path?: string;
  description?: string;
}): Promise<{ conversationId: string }> {
  return call('share.toChat', params);
}
