import { ERROR_TABLE } from './error-table.js';

/** Renders the error table as the Markdown of `docs/errors.md` (regenerate with `npm run docs:errors`). */
export function renderErrorsMarkdown(): string {
  const rows = Object.entries(ERROR_TABLE).map(
    ([code, d]) => `| \`${code}\` | ${d.status} | ${d.kind} | ${d.retryable ? 'yes' : 'no'} | ${d.message} |`,
  );
  return [
    '# Error codes',
    '',
    'Every error the API returns has a body `{ "error": { "code", "message", "requestId", "issues"? } }`.',
    '`kind` is `user` for the caller’s mistakes and `internal` for ours; `retryable` says whether a build',
    'job is retried with backoff when it fails with this code. Codes are never reused.',
    '',
    'This file is generated from `src/errors/error-table.ts` by `npm run docs:errors`; a test fails when they',
    'drift apart.',
    '',
    '| code | HTTP | kind | retryable | message |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
