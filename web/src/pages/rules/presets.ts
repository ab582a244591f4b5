import type { Severity } from '../../api/types';

export interface RulePreset {
  id: string;
  name: string;
  pattern: string;
  severity: Severity;
  /** A line it matches, to start the sample box with. */
  sample: string;
}

/** Ready rules to start from (RE2 syntax; checked by web/src/pages/rules/presets.test.ts). */
export const PRESETS: readonly RulePreset[] = [
  {
    id: 'panic',
    name: 'Panic or fatal',
    pattern: '(?i)\\b(?:panic|fatal)\\b:?\\s*(?P<detail>.*)',
    severity: 'critical',
    sample: 'panic: runtime error: invalid memory address or nil pointer dereference',
  },
  {
    id: 'oom',
    name: 'Out of memory',
    pattern: '(?i)out of memory|OutOfMemoryError|oom-?kill|cannot allocate memory',
    severity: 'critical',
    sample: 'java.lang.OutOfMemoryError: Java heap space',
  },
  {
    id: 'connection-refused',
    name: 'Connection refused',
    pattern: '(?i)(?:(?P<target>[\\w.-]+:\\d+)\\S*:? (?:connect: )?)?connection refused',
    severity: 'error',
    sample: 'dial tcp 10.0.0.5:5432: connect: connection refused',
  },
  {
    id: 'http-5xx',
    name: '5xx in access logs',
    pattern: '"(?P<method>[A-Z]+) (?P<path>\\S+) HTTP/[\\d.]+" (?P<status>5\\d\\d) ',
    severity: 'error',
    sample:
      '10.0.0.1 - - [25/Nov/2026:10:00:00 +0000] "GET /api/orders HTTP/1.1" 502 157 "-" "curl/8.0"',
  },
  {
    id: 'java-exception',
    name: 'Java exception',
    pattern:
      '(?P<exception>(?:[a-zA-Z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error))(?::\\s*(?P<detail>.*))?',
    severity: 'error',
    sample: 'Exception in thread "main" java.lang.IllegalStateException: queue full',
  },
  {
    id: 'python-traceback',
    name: 'Python traceback',
    pattern:
      '^Traceback \\(most recent call last\\):|^(?P<exception>[A-Z]\\w*(?:Error|Exception)): (?P<detail>.*)',
    severity: 'error',
    sample: "ValueError: invalid literal for int() with base 10: 'x'",
  },
];
