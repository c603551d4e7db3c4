export { MerchantClient, type MerchantClientOptions, type WriteOptions } from './client.js';
export {
  MerchantApiError,
  MerchantConnectionError,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors.js';
export { signWebhook, type VerifyWebhookOptions, verifyWebhook, type WebhookHeaders } from './webhooks.js';
