/** A list typed as comma-separated text: each item trimmed, empty ones dropped. */
export const commaList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
