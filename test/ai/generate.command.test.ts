import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVALID_SPEC, json, WEB_SERVER_SPEC } from './ai.fixtures.js';
import { MockLlmServer } from './mock-llm.server.js';

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `lbe` entry point (tsx) with only the given LLM variables set. */
function lbe(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: join(import.meta.dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('lbe generate against a mock LLM server', () => {
  let mock: MockLlmServer;
  let dir: string;
  beforeAll(async () => {
    mock = await MockLlmServer.start();
    dir = await mkdtemp(join(tmpdir(), 'lbe-generate-'));
  });
  afterAll(async () => {
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the spec as YAML on stdout and the summary on stderr; exit 0', async () => {
    mock.enqueue(json(WEB_SERVER_SPEC));
    const run = await lbe(['generate', 'a debian web server'], { OLLAMA_URL: mock.url });
    expect(run.code).toBe(0);
    expect(parse(run.stdout)).toEqual(WEB_SERVER_SPEC);
    expect(run.stderr).toContain('web-server: debian bookworm');
  });

  it('--json prints one document; --out writes the file (OpenAI-compatible provider with a key)', async () => {
    mock.enqueue(json(WEB_SERVER_SPEC));
    const out = join(dir, 'spec.json');
    const run = await lbe(['generate', 'web server', '--json', '--out', out], {
      LLM_BASE_URL: mock.url,
      LLM_MODEL: 'qwen2.5',
      LLM_API_KEY: 'sk-cli-secret-0000',
    });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ spec: WEB_SERVER_SPEC, attempts: 1, model: 'qwen2.5' });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(WEB_SERVER_SPEC);
    expect(mock.requests.at(-1)?.headers.authorization).toBe('Bearer sk-cli-secret-0000');
    expect(run.stdout + run.stderr).not.toContain('sk-cli-secret');
  });

  it('exits 1 when the model never produces a valid spec, listing the problems', async () => {
    mock.enqueue(json(INVALID_SPEC), json(INVALID_SPEC));
    const run = await lbe(['generate', 'web server'], { OLLAMA_URL: mock.url, LLM_REPAIR_ATTEMPTS: '1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: The LLM did not produce a valid build spec after 2 attempts');
    expect(run.stderr).toContain('users[0].name:');
  });

  it('exits 1 when no LLM is configured and 2 for an empty request', async () => {
    const none = await lbe(['generate', 'web server'], {});
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/OLLAMA_URL/);
    const empty = await lbe(['generate', '  '], { OLLAMA_URL: mock.url });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('The prompt is empty');
  });
});
