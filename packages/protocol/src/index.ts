export * from './errors.js';
export * from './identity.js';
export * from './social.js';
export * from './wallet.js';
