import type { FastifyInstance } from 'fastify';
import type { CompileError } from '../../rules/index.js';
import type { ScannerStats } from '../../scanner/index.js';
import { SystemApi } from '../wire/system.js';

export interface ScannerApiDeps {
  scanner: { stats(): ScannerStats };
  rules: {
    current(): { version: number; ruleCount: number; compileErrors: readonly CompileError[] };
  };
}

export function scannerRoutes(deps: ScannerApiDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/api/scanner/stats', { schema: SystemApi.scannerStats }, async () => {
      const stats = deps.scanner.stats();
      const snapshot = deps.rules.current();
      return {
        ...stats.counters,
        active_tails: stats.active_tails,
        tails: stats.tails,
        rules: { version: snapshot.version, compiled: snapshot.ruleCount },
        last_compile_errors: snapshot.compileErrors,
      };
    });
  };
}
