/** The bundle the stack deploys: built with the same options (only when the handler exists). */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CREATE_REQUIRE_BANNER,
  DETECTION_ENTRY,
  PROJECT_ROOT,
  RULE_PACK_SOURCE,
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
    expect(b.commandHooks!.afterBundling('/in', '/out')).toEqual(["cp -r '/in/lambda/rules/pack' '/out/pack'"]);
  });
});

describe.skipIf(!existsSync(DETECTION_ENTRY))('bundleDetectionHandler', () => {
  it('produces index.mjs (with the banner) and pack/ with the rule pack', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'fdr-bundle-'));
    try {
      const dir = bundleDetectionHandler(outdir);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(CREATE_REQUIRE_BANNER)).toBe(true);
      const packSource = readdirSync(join(PROJECT_ROOT, RULE_PACK_SOURCE)).sort();
      expect(readdirSync(join(dir, 'pack')).sort()).toEqual(packSource);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
