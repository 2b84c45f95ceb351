// Preloaded into a CLI run (node --require) by test/unit/cli-bundle.test.ts:
// appends the URL of every module the process loads to $PGTANDEM_LOAD_LOG, one a
// line: ES modules as the loader resolves them (load-recorder-hooks.mjs), and
// CommonJS modules (require.cache, which the ESM hooks do not see on Node 20) at exit.
const { appendFileSync } = require('node:fs');
const { register } = require('node:module');
const { pathToFileURL } = require('node:url');

const log = process.env.PGTANDEM_LOAD_LOG;
if (!log) throw new Error('load-recorder: set PGTANDEM_LOAD_LOG');
register(pathToFileURL(`${__dirname}/load-recorder-hooks.mjs`));
process.on('exit', () => {
  appendFileSync(log, Object.keys(require.cache).map((path) => `${pathToFileURL(path).href}\n`).join(''));
});
