export { WebhookVerificationError, type WebhookVerificationErrorCode } from './errors.js';
export { signWebhook, type VerifyWebhookOptions, verifyWebhook, type WebhookHeaders } from './webhooks.js';
