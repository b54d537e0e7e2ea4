/** The bundle the stack deploys: built with the same options (only when the handler exists). */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CREATE_REQUIRE_BANNER,
  DETECTION_ENTRY,
  shippedRulePacks,
  bundleDetectionHandler,
  detectionBundling,
} from '../../infra/index';

describe('detection bundling options', () => {
  it('bundle locally as ESM for node22 with the createRequire banner and copy the rule pack', () => {
    const b = detectionBundling();
    expect(b.format).toBe('esm');
    expect(b.target).toBe('node22');
    expect(b.banner).toBe(CREATE_REQUIRE_BANNER);
    expect(b.forceDockerBundling).toBe(false);
    expect(b.externalModules).toEqual([]);
    expect(b.commandHooks!.afterBundling('/in', '/out')).toEqual([
      "mkdir -p '/out/packs'",
      "cp '/in/lambda/packs/rule.schema.json' '/out/packs/'",
      ...shippedRulePacks().map((p) => `cp -r '${p}' '/out/packs/${basename(p)}'`),
    ]);
  });

  it('bundles the rule packs it is given, each in its own folder; two packs of one name are refused', () => {
    const hooks = detectionBundling(['/srv/packs/ours', '/srv/other/extra']).commandHooks!;
    expect(hooks.afterBundling('/in', '/out').slice(2)).toEqual(["cp -r '/srv/packs/ours' '/out/packs/ours'", "cp -r '/srv/other/extra' '/out/packs/extra'"]);
    expect(() => detectionBundling(['/a/p', '/b/p'])).toThrow(/distinct directory names/);
  });
});

describe.skipIf(!existsSync(DETECTION_ENTRY))('bundleDetectionHandler', () => {
  it('produces index.mjs (with the banner) and packs/ with the rule packs and their schema', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'fdr-bundle-'));
    try {
      const dir = bundleDetectionHandler(outdir);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(CREATE_REQUIRE_BANNER)).toBe(true);
      expect(readdirSync(join(dir, 'packs')).sort()).toEqual(['rule.schema.json', ...shippedRulePacks().map((p) => basename(p))].sort());
      for (const p of shippedRulePacks()) expect(readdirSync(join(dir, 'packs', basename(p))).sort()).toEqual(readdirSync(p).sort());
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
