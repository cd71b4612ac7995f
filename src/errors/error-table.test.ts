import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, LbeError, renderErrorsMarkdown } from './index.js';

describe('error table', () => {
  it('is in step with docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorsMarkdown());
  });

  it('names every code LBE_<AREA>_<WHAT> with a real HTTP status', () => {
    for (const [code, d] of Object.entries(ERROR_TABLE)) {
      expect(code).toMatch(/^LBE_[A-Z]+(_[A-Z0-9]+)+$/);
      expect(d.status).toBeGreaterThanOrEqual(400);
      expect(d.status).toBeLessThan(600);
      if (d.status >= 500) expect(d.kind === 'internal' || d.status === 501 || d.status === 504).toBe(true);
    }
  });

  it('gives LbeError its status, kind and retry class from the table', () => {
    const e = new LbeError('LBE_BUILD_MIRROR_UNREACHABLE', 'mirror down', { details: { host: 'x' } });
    expect(e.status).toBe(503);
    expect(e.isRetryable).toBe(true);
    expect(e.isUserError).toBe(false);
    expect(new LbeError('LBE_SPEC_INVALID').message).toBe('The build spec is invalid');
  });
});
