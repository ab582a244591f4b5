export { RulesPage } from './rules-page';
export { RuleEditorPage } from './rule-editor-page';
