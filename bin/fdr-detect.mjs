#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so an installed package needs no build step.
import { register } from 'tsx/esm/api';
register();
const { run } = await import('../lambda/cli/main.ts');
await run(process.argv.slice(2));
