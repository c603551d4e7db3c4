/** The release of this server, reported by /healthz, /v1/config and the OpenAPI document. */
export const VERSION = '0.1.0';
