import { LogSearch, type LogBatchReader } from './search.js';

export interface Logs {
  search: LogSearch;
}

/** Reading containers' log history: search and download. */
export function createLogs(deps: { docker: LogBatchReader }): Logs {
  return { search: new LogSearch({ docker: deps.docker }) };
}
