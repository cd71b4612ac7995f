import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartTime, type ProcessIdentity } from './process-identity.js';
import { claimProcessScratch, ensureScratchDir, isScratchDir, scratchDirPrefix } from './process-scratch.js';

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

/** A scratch dir name as `mkdtemp` makes them (six random characters after the prefix). */
const scratchName = (host: string, identity: ProcessIdentity, suffix = 'a1B2c3'): string =>
  `${scratchDirPrefix(host, identity)}${suffix}`;

describe('claimProcessScratch', () => {
  it('removes only the dirs of dead processes of this host, then creates its own (0700)', async () => {
    const self = await liveProcess();
    const live = await liveProcess();
    const dead = await deadProcess();
    const deadDir = await leftover(scratchName('node1', dead));
    // The same pid as a live process but another start time: the pid was reused, the owner is gone.
    const reusedDir = await leftover(
      scratchName('node1', { pid: live.identity.pid, start: live.identity.start + 1 }),
    );
    const keep = [
      await leftover(scratchName('node1', live.identity)),
      await leftover(scratchName('node1', self.identity, 'zzzzzz')),
      await leftover(scratchName('node2', dead)),
      await leftover('lbe-build-unrelated'),
      await leftover('lbe-proc-node1-notapid-1-a1B2c3'),
      await leftover(scratchName('node1', dead).slice(0, -1)),
    ];

    const scratch = await claimProcessScratch({ base, self: self.identity, host: 'node1' });

    expect([...scratch.swept].sort()).toEqual([deadDir, reusedDir].sort());
    expect(scratch.dir.startsWith(join(base, scratchDirPrefix('node1', self.identity)))).toBe(true);
    expect(isScratchDir(scratch.dir)).toBe(true);
    expect(((await stat(scratch.dir)).mode & 0o777).toString(8)).toBe('700');
    expect((await readdir(base)).sort()).toEqual(
      [...keep.map((d) => d.slice(base.length + 1)), scratch.dir.slice(base.length + 1)].sort(),
    );
  });

  it('makes a new dir on every claim, never one that exists; release removes it (idempotent)', async () => {
    const self = await liveProcess();
    const first = await claimProcessScratch({ base, self: self.identity, host: 'node1' });
    const second = await claimProcessScratch({ base, self: self.identity, host: 'node1' });
    expect(second.dir).not.toBe(first.dir);
    await writeFile(join(second.dir, 'file'), 'x');
    await second.release();
    await second.release();
    expect(await readdir(base)).toEqual([first.dir.slice(base.length + 1)]);
    await first.release();
    expect(await readdir(base)).toEqual([]);
  });

  it('defaults to this process and host; a missing base is created', async () => {
    const nested = join(base, 'not', 'yet');
    const scratch = await claimProcessScratch({ base: nested });
    const start = await processStartTime(process.pid);
    expect(scratch.dir).toMatch(
      new RegExp(`^${nested}/lbe-proc-[A-Za-z0-9._]+-${process.pid}-${start}-[A-Za-z0-9]{6}$`),
    );
    await scratch.release();
  });

  it('names dirs after a host name made safe for the name format', () => {
    expect(scratchDirPrefix('web-1.example/x', { pid: 12, start: 34 })).toBe(
      'lbe-proc-web_1.example_x-12-34-',
    );
    expect(scratchDirPrefix('', { pid: 1, start: 2 })).toBe('lbe-proc-host-1-2-');
    expect(isScratchDir('/tmp/lbe-proc-web_1.example_x-12-34-a1B2c3')).toBe(true);
    expect(isScratchDir('/tmp/lbe-proc-web-1-12-34-a1B2c3')).toBe(false);
    expect(isScratchDir('/tmp')).toBe(false);
  });
});

describe('ensureScratchDir', () => {
  it('re-creates a removed scratch dir with mode 0700 and accepts an existing one', async () => {
    const scratch = await claimProcessScratch({ base });
    await rm(scratch.dir, { recursive: true });
    await ensureScratchDir(scratch.dir);
    expect(((await stat(scratch.dir)).mode & 0o777).toString(8)).toBe('700');
    await ensureScratchDir(scratch.dir);
    await scratch.release();
  });

  it('refuses a link or a file standing in its place', async () => {
    const target = join(base, 'elsewhere');
    await mkdir(target);
    const link = join(base, scratchName('node1', { pid: 1, start: 1 }));
    await symlink(target, link);
    await expect(ensureScratchDir(link)).rejects.toThrow(/is not this process's scratch dir/);
    const file = join(base, scratchName('node1', { pid: 2, start: 2 }));
    await writeFile(file, '');
    await expect(ensureScratchDir(file)).rejects.toThrow(/is not this process's scratch dir/);
  });
});
