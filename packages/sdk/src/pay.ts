import { call } from './connect.js';

/**
 * Opens the host's payment sheet for an order your server created. The host shows the
 * order's amount from the server and asks for the PIN. Fails with `user_cancelled` when the
 * user closes the sheet, or a server code (`order_expired`, `order_already_paid` …).
 */
export function requestPayment(params: {
  paymentToken: string;
}): Promise<{ orderId: string; status: 'paid' }> {
  return call('pay.requestPayment', params);
}
