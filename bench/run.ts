// npm run bench — prints one JSON object per benchmark with the machine it ran on.
import { cpus, totalmem } from 'node:os';
import { benchLogPipeline } from './log-pipeline.js';
import { benchCorpus, benchMatcher } from './matcher.js';

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
};
console.log(JSON.stringify({ machine }));
console.log(JSON.stringify(await benchLogPipeline()));
const corpus = benchCorpus();
for (const rules of [1, 10, 100]) {
  console.log(JSON.stringify({ name: 'rule matcher', ...benchMatcher(corpus, rules) }));
}
// The prefilter's worst case: one more rule that it cannot skip.
console.log(
  JSON.stringify({ name: 'rule matcher', ...benchMatcher(corpus, 100, { withoutLiteral: 1 }) }),
);
