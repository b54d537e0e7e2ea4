#!/usr/bin/env node
// The fdr-detect CLI: the compiled JavaScript in dist/ (`npm run build`; `npm ci` and `npm pack` run it too).
import module from 'node:module';

// Node.js 22.1+: keep V8's compiled code between runs (a cache folder under the system's temp directory).
module.enableCompileCache?.();

let cli;
try {
  cli = await import('../dist/cli.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('cli.js')) {
    process.stderr.write('fdr-detect: dist/cli.js is missing: run `npm run build` in the fdr-detect folder\n');
    process.exit(1);
  }
  throw err;
}
await cli.run(process.argv.slice(2));
