export { TriggersPage } from './triggers-page';
export { TriggerEditorPage } from './trigger-editor-page';
