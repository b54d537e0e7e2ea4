// The stage folders know no AWS: no SDK or adapter imports (also an eslint rule), and no AWS error names — whether
// a failure may be retried is the adapter's answer (SourceError), never a stage's guess from an error's name.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const LAMBDA = join(__dirname, '..', 'lambda');
const STAGES = ['fdr', 'rules', 'context', 'alerts', 'stateful'];
const STAGE_FILES = ['pipeline.ts', 'keys.ts'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const stageFiles = [...STAGES.flatMap((s) => files(join(LAMBDA, s))), ...STAGE_FILES.map((f) => join(LAMBDA, f))];
const AWS_ERROR_NAMES = [
  'NoSuchKey', 'NoSuchBucket', 'AccessDenied', 'InvalidObjectState', 'SlowDown', 'ThrottlingException', 'RequestTimeout',
  'ConditionalCheckFailedException', 'ProvisionedThroughputExceededException', 'ServiceUnavailable', '$metadata', 'httpStatusCode',
  '$retryable', 'ECONNRESET',
];

describe('stage folders', () => {
  it('are there to check', () => {
    expect(stageFiles.length).toBeGreaterThan(30);
  });

  it.each(stageFiles.map((f) => [relative(LAMBDA, f), f]))('%s imports no AWS SDK and no adapter', (_name, file) => {
    const specs = [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    for (const s of specs) {
      expect(s, `${file}: ${s}`).not.toMatch(/^@aws-sdk\/|^@smithy\/|^@aws-lambda-powertools\//);
      expect(s, `${file}: ${s}`).not.toMatch(/(^|\/)(aws|stores|sources|sinks|handler)(\/|$)/);
    }
  });

  it.each(stageFiles.map((f) => [relative(LAMBDA, f), f]))('%s names no AWS error', (_name, file) => {
    const code = readFileSync(file, 'utf8');
    for (const n of AWS_ERROR_NAMES) expect(code.includes(n), `${file} mentions ${n}`).toBe(false);
  });
});
