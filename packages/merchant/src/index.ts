/** The merchant server SDK (Node): the merchant API client and webhook verification. */
export {};
