/** "6222021234567890" → "6222 0212 3456 7890" while typing (at most 19 digits); only digits are sent. */
export function groupCardNumber(text: string): string {
  const digits = text.replace(/\D/g, '').slice(0, 19);
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** The digits of a card number as typed ("6222 0212-3456" → "62220212 3456" without separators). */
export function cardDigits(text: string): string {
  return text.replace(/\D/g, '');
}
