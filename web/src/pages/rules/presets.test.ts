import { describe, expect, it } from 'vitest';
import { compilePattern, execCaptures } from '../../../../src/rules/compile.js';
import { PRESETS } from './presets';

describe('rule presets', () => {
  it.each(PRESETS.map((p) => [p.name, p] as const))(
    '%s compiles with RE2 and matches its sample line',
    (_name, preset) => {
      const compiled = compilePattern(preset.pattern);
      if (!compiled.ok) throw new Error(compiled.error);
      expect(execCaptures(compiled.pattern, Buffer.from(preset.sample))).not.toBeNull();
      expect(execCaptures(compiled.pattern, Buffer.from('GET /health 200 ok'))).toBeNull();
    },
  );
});
