export * from './chat.js';
export * from './chat-state.js';
export * from './errors.js';
export * from './identity.js';
export * from './ids.js';
export * from './realtime.js';
export * from './social.js';
export * from './wallet.js';
