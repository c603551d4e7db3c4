export * from './errors.js';
export * from './identity.js';
