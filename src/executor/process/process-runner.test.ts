import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LbeError } from '../../errors/index.js';
import { NodeProcessRunner, ToolExitError } from './process-runner.js';

const runner = new NodeProcessRunner();

describe('NodeProcessRunner', () => {
  it('passes argv verbatim, without a shell', async () => {
    const r = await runner.run('printf', ['%s|', '$(whoami)', '; rm -rf /', '`id`']);
    expect(r.stdout).toBe('$(whoami)|; rm -rf /|`id`|');
  });

  it('streams lines in order and keeps a tail', async () => {
    const lines: string[] = [];
    const r = await runner.run('sh', ['-c', 'for i in 1 2 3 4; do echo line$i; done; echo err >&2'], {
      onLine: (l) => lines.push(l),
      tailLines: 2,
    });
    expect(lines.slice(0, 4)).toEqual(['line1', 'line2', 'line3', 'line4']);
    expect(lines).toContain('err');
    expect(r.tail).toHaveLength(2);
  });

  it('feeds stdin and does not inherit the host environment', async () => {
    process.env.LBE_TEST_LEAK = 'leak';
    const r = await runner.run('sh', ['-c', 'cat; echo "[$LBE_TEST_LEAK][$X]"'], {
      stdin: 'secret\n',
      env: { X: 'y' },
    });
    expect(r.stdout).toBe('secret\n[][y]\n');
    delete process.env.LBE_TEST_LEAK;
  });

  it('rejects a bad exit code with the output tail', async () => {
    const err = await runner.run('sh', ['-c', 'echo boom; exit 3']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolExitError);
    expect((err as ToolExitError).exitCode).toBe(3);
    expect((err as ToolExitError).tail).toEqual(['boom']);
  });

  it('names a missing tool', async () => {
    const err = await runner.run('lbe-no-such-tool', []).catch((e: unknown) => e);
    expect((err as LbeError).code).toBe('LBE_BUILD_TOOL_MISSING');
  });

  it('kills the whole process tree on abort', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const p = runner.run('sh', ['-c', 'sleep 30 & sleep 30; wait'], { signal: ac.signal });
    setTimeout(() => {
      ac.abort();
    }, 200);
    const err = await p.catch((e: unknown) => e);
    expect((err as LbeError).code).toBe('LBE_BUILD_CANCELLED');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('times out', async () => {
    const err = await runner.run('sleep', ['10'], { timeoutMs: 200 }).catch((e: unknown) => e);
    expect((err as LbeError).code).toBe('LBE_BUILD_TIMEOUT');
  });

  it('a tool does not outlive its engine: SIGKILL of the parent sends the tool SIGTERM', async () => {
    // A separate Node process runs `sh` through the runner; sh traps SIGTERM and reports it in a file.
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const marker = `/tmp/lbe-pdeathsig-${process.pid}-${Date.now()}`;
    const script = `
      import { NodeProcessRunner } from ${JSON.stringify(`${dir}process-runner.ts`)};
      void new NodeProcessRunner().run('sh', ['-c', 'trap "echo TERM > ${marker}; exit 0" TERM; echo $$; while :; do sleep 0.1; done'], {
        onLine: (l) => console.log('PID ' + l),
      });`;
    const engine = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [chunk] = (await once(engine.stdout, 'data')) as [Buffer];
    const toolPid = Number(/PID (\d+)/.exec(chunk.toString())?.[1]);
    expect(toolPid).toBeGreaterThan(0);
    engine.kill('SIGKILL');
    await once(engine, 'exit');
    const alive = (): boolean => {
      try {
        process.kill(toolPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await sleep(100);
    expect(alive()).toBe(false);
    expect(await readFile(marker, 'utf8')).toBe('TERM\n');
    await rm(marker, { force: true });
  });

  it('gives the group killGraceMs between SIGTERM and SIGKILL to clean up', async () => {
    const marker = `/tmp/lbe-grace-${process.pid}-${Date.now()}`;
    // On SIGTERM the tool needs ~0.5 s of cleanup before it writes its marker.
    const tool = [
      '-c',
      `trap 'sleep 0.5; echo cleaned > ${marker}-$0; exit 0' TERM; while :; do sleep 0.05; done`,
    ];
    const run = async (name: string, killGraceMs: number) => {
      const ac = new AbortController();
      setTimeout(() => {
        ac.abort();
      }, 200);
      const err = await runner
        .run('sh', [tool[0]!, tool[1]!, name], { signal: ac.signal, killGraceMs })
        .catch((e: unknown) => e);
      expect((err as LbeError).code).toBe('LBE_BUILD_CANCELLED');
      return readFile(`${marker}-${name}`, 'utf8').catch(() => 'none');
    };
    expect(await run('short', 100)).toBe('none');
    expect(await run('long', 3000)).toBe('cleaned\n');
    await rm(`${marker}-long`, { force: true });
  });
});
