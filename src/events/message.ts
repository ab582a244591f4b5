import { MAX_MESSAGE_BYTES } from './model.js';

const ELLIPSIS = '…';
const ELLIPSIS_BYTES = Buffer.byteLength(ELLIPSIS);

/** Cuts text to at most `maxBytes` of UTF-8, on a character boundary, ending in `…`. */
export function truncateMessage(text: string, maxBytes = MAX_MESSAGE_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let cut = Math.max(0, maxBytes - ELLIPSIS_BYTES);
  // Back off over UTF-8 continuation bytes so no character is split.
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return bytes.toString('utf8', 0, cut) + ELLIPSIS;
}

/**
 * Text as a database text column takes it: PostgreSQL refuses the NUL character, which a
 * log line may hold; it becomes U+FFFD, as an invalid byte does when a line is decoded.
 */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
