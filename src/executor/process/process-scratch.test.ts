import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartTime, type ProcessIdentity } from './process-identity.js';
import { claimProcessScratch, scratchDirName } from './process-scratch.js';

let base: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lbe-scratch-test-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await rm(base, { recursive: true, force: true });
});

/** A real running process and its identity. */
async function liveProcess(): Promise<{ child: ChildProcess; identity: ProcessIdentity }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('sleep did not start');
  const start = await processStartTime(pid);
  if (start === undefined) throw new Error('sleep exited early');
  return { child, identity: { pid, start } };
}

async function deadProcess(): Promise<ProcessIdentity> {
  const { child, identity } = await liveProcess();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return identity;
}

/** A scratch dir as a process leaves it: nested dirs and files. */
async function leftover(name: string): Promise<string> {
  const dir = join(base, name);
  await mkdir(join(dir, 'lbe-build-abc', 'rootfs', 'etc'), { recursive: true });
  await writeFile(join(dir, 'lbe-build-abc', 'rootfs', 'etc', 'hostname'), 'x\n');
  await writeFile(join(dir, 'auth.json'), '{"auths":{}}');
  return dir;
}

describe('claimProcessScratch', () => {
  it('removes only the dirs of dead processes of this host, then creates its own (0700)', async () => {
    const self = await liveProcess();
    const live = await liveProcess();
    const dead = await deadProcess();
    const deadDir = await leftover(scratchDirName('node1', dead));
    // The same pid as a live process but another start time: the pid was reused, the owner is gone.
    const reusedDir = await leftover(
      scratchDirName('node1', { pid: live.identity.pid, start: live.identity.start + 1 }),
    );
    const keep = [
      await leftover(scratchDirName('node1', live.identity)),
      await leftover(scratchDirName('node2', dead)),
      await leftover('lbe-build-unrelated'),
      await leftover('lbe-proc-node1-notapid-1'),
    ];

    const scratch = await claimProcessScratch({ base, self: self.identity, host: 'node1' });

    expect([...scratch.swept].sort()).toEqual([deadDir, reusedDir].sort());
    expect(scratch.dir).toBe(join(base, scratchDirName('node1', self.identity)));
    expect(((await stat(scratch.dir)).mode & 0o777).toString(8)).toBe('700');
    expect((await readdir(base)).sort()).toEqual(
      [...keep.map((d) => d.slice(base.length + 1)), scratchDirName('node1', self.identity)].sort(),
    );
  });

  it('keeps its own earlier dir, and release removes it with its contents (idempotent)', async () => {
    const self = await liveProcess();
    const own = await leftover(scratchDirName('node1', self.identity));
    const scratch = await claimProcessScratch({ base, self: self.identity, host: 'node1' });
    expect(scratch.swept).toEqual([]);
    expect(scratch.dir).toBe(own);
    expect(await readdir(join(own, 'lbe-build-abc'))).toEqual(['rootfs']);
    await scratch.release();
    await scratch.release();
    expect(await readdir(base)).toEqual([]);
  });

  it('defaults to this process and host; a missing base is created', async () => {
    const nested = join(base, 'not', 'yet');
    const scratch = await claimProcessScratch({ base: nested });
    const start = await processStartTime(process.pid);
    expect(scratch.dir).toMatch(new RegExp(`^${nested}/lbe-proc-[A-Za-z0-9._]+-${process.pid}-${start}$`));
    await scratch.release();
  });

  it('names dirs after a host name made safe for the name format', () => {
    expect(scratchDirName('web-1.example/x', { pid: 12, start: 34 })).toBe('lbe-proc-web_1.example_x-12-34');
    expect(scratchDirName('', { pid: 1, start: 2 })).toBe('lbe-proc-host-1-2');
  });
});
