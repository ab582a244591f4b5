export * from './model.js';
export {
  compilePattern,
  compileOrThrow,
  captureGroupNames,
  execCaptures,
  type CompiledPattern,
  type CompileResult,
} from './compile.js';
export { RuleRepository, type RuleFilter } from './repository.js';
export {
  RulesService,
  type RulesReloader,
  type RuleTestInput,
  type RuleTestResult,
  type WorkloadLookup,
} from './service.js';
export {
  RuleSnapshotHolder,
  buildSnapshot,
  singleRuleMatcher,
  type CompileError,
  type CompiledRule,
  type RuleMatch,
  type RuleMatcher,
  type RuleRows,
  type RuleSnapshot,
} from './snapshot.js';
export { createRules, type Rules, type RulesDeps } from './rules-module.js';
export { searchFilter, type LineFilter } from './line-filter.js';
