#!/usr/bin/env node
/**
 * `npm run build` (also run by `npm ci`/`npm install` in this repository and by `npm pack`, as `prepare`):
 * lambda/ and infra/ → dist/, the JavaScript a user of the package runs.
 *
 * - dist/*.js: ESM for Node.js 20.19+, bundled by esbuild per entry point with code splitting (shared code in
 *   chunk-*.js, lazily imported modules in chunks of their own); npm packages stay imports (not bundled), so the
 *   package's `dependencies` are what runs. Source maps with the sources inlined.
 *   Entry points: cli.js (bin/fdr-detect.mjs), index.js (`fdr-detect`), infra.js (`fdr-detect/infra`),
 *   handler.js (the Lambda entry the FdrDetection construct bundles when it runs from an installed package).
 *   Every file is in dist/ itself, so `import.meta.url` means dist/ whichever chunk a module lands in.
 * - dist/packs/: the rule packs and their metadata schema, where the compiled loader looks for them (`packs/` next
 *   to itself).
 * - dist/types/: declarations (tsc), with relative imports written as `./x.js` so that `moduleResolution`
 *   node16/nodenext consumers resolve them as well as bundler ones.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'dist');

/** The esbuild options of the JavaScript build (tests reuse them to inspect the module graph). */
export function esbuildOptions(outdir = OUT) {
  return {
    absWorkingDir: ROOT,
    entryPoints: {
      cli: 'lambda/cli/main.ts',
      index: 'lambda/index.ts',
      infra: 'infra/index.ts',
      handler: 'lambda/handler.ts',
      // the gzip stage's worker thread (fdr/inflate-thread.ts loads it from next to itself)
      'inflate-worker': 'lambda/fdr/inflate-worker.ts',
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    sourcemap: true,
    sourcesContent: true,
    logLevel: 'warning',
  };
}

/** `from './x'` / `import('./x')` in emitted declarations → './x.js' or './x/index.js' (whichever exists). */
function addDeclarationExtensions(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      addDeclarationExtensions(path);
      continue;
    }
    if (!name.endsWith('.d.ts')) continue;
    const text = readFileSync(path, 'utf8');
    const fixed = text.replace(/(\bfrom\s+|\bimport\s*\(\s*|^import\s+)(['"])(\.\.?\/[^'"]*)\2/gm, (all, lead, q, spec) => {
      if (/\.(js|json)$/.test(spec)) return all;
      const base = resolve(dirname(path), spec);
      if (existsSync(`${base}.d.ts`)) return `${lead}${q}${spec}.js${q}`;
      if (existsSync(join(base, 'index.d.ts'))) return `${lead}${q}${spec}/index.js${q}`;
      throw new Error(`${path}: cannot resolve ${spec}`);
    });
    if (fixed !== text) writeFileSync(path, fixed);
  }
}

export async function build() {
  const { build: esbuild } = await import('esbuild');
  rmSync(OUT, { recursive: true, force: true });
  await esbuild(esbuildOptions());
  cpSync(join(ROOT, 'lambda', 'packs'), join(OUT, 'packs'), {
    recursive: true,
    // Pack data and the schema only: the loader and the generated validator are code, bundled into dist/*.js.
    filter: (src) => !src.endsWith('.ts') && !src.endsWith('.js'),
  });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  addDeclarationExtensions(join(OUT, 'types'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await build();
  console.error(`fdr-detect: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
