import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';

export type { PromFamily };

/** Parses Prometheus text exposition with a real parser (not our own regexes). */
export function parseMetrics(text: string): PromFamily[] {
  return parsePrometheusTextFormat(text);
}

/**
 * The value of one counter or gauge sample: the family's sample whose labels include
 * `labels`. (This parser folds the series of a labelled histogram into one; read
 * histograms' buckets from the family instead.)
 */
export function sampleValue(
  families: PromFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  if (!sample) return undefined;
  return sample.value === undefined ? undefined : Number(sample.value);
}
