/** Times on the wire: the domains keep milliseconds since the epoch, the API ISO 8601. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

export const isoTimeOrNull = (ms: number | null): string | null =>
  ms === null ? null : isoTime(ms);
