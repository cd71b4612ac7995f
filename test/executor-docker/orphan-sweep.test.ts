import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCacheDir } from '../../src/config/index.js';
import { BuildahBuilder, buildahStorageFor } from '../../src/executor/buildah/buildah.builder.js';
import {
  StageOwnerRecords,
  stageOwnersDirFor,
  type StageOwnerRecord,
} from '../../src/executor/buildah/stage-owners.js';
import { processStartTime } from '../../src/executor/process/process-identity.js';
import { NodeProcessRunner } from '../../src/executor/process/process-runner.js';
import {
  containersJsonArgs,
  parseContainersJson,
  storageArgs,
  type BuildahContainer,
} from '../../src/executor/tools/buildah.tool.js';

// BuildahBuilder's sweep of working containers left by killed builds, on a private storage root in a temp dir
// (never the shared cache). The base image is the Debian bootstrap tarball cached under the engine's default
// cache dir (only read); the suite is skipped when this machine has none.
const basesDir = path.join(defaultCacheDir(process.env), 'bases');
const baseTarball = await readdir(basesDir)
  .then((names) => names.filter((n) => /^debian-.*\.tar$/.test(n)).sort()[0])
  .catch(() => undefined);
if (baseTarball === undefined) {
  console.warn(`orphan-sweep: skipped, no Debian bootstrap tarball in ${basesDir} (run a Debian build once)`);
}

const FIXTURE = fileURLToPath(new URL('./fixtures/stage-build.fixture.ts', import.meta.url));
/** A pid above the kernel's pid_max: never a running process. */
const DEAD_PID = 2 ** 30;

describe.skipIf(baseTarball === undefined)('orphaned stage containers', () => {
  const runner = new NodeProcessRunner();
  let dir = '';
  let storage: ReturnType<typeof buildahStorageFor>;
  let records: StageOwnerRecords;
  let baseRef: string;
  let baseId: string;
  const children: ChildProcess[] = [];

  const freshBuilder = (): BuildahBuilder =>
    new BuildahBuilder({ runner, storage, tmpDir: path.join(dir, 'tmp') });
  const buildah = (args: string[]) =>
    runner.run('buildah', [...storageArgs(storage), ...args], { timeoutMs: 120_000 });
  const quietly = async (args: string[]): Promise<void> => {
    await buildah(args).catch(() => undefined);
  };
  const containers = async (): Promise<BuildahContainer[]> =>
    parseContainersJson((await runner.run('buildah', containersJsonArgs(storage))).stdout);
  const recordFiles = async (): Promise<string[]> =>
    (await readdir(records.dir).catch(() => [])).filter((n) => n.endsWith('.json'));
  const mountsUnder = async (root: string): Promise<string[]> =>
    (await readFile('/proc/self/mounts', 'utf8'))
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(`${root}/`));
  const ownRecord = async (extra: Partial<StageOwnerRecord> = {}): Promise<StageOwnerRecord> => ({
    ownerPid: process.pid,
    ownerStart: (await processStartTime(process.pid)) ?? -1,
    fromImage: baseRef,
    fromImageId: baseId,
    before: [],
    createdAt: new Date().toISOString(),
    ...extra,
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lbe-orphan-sweep-'));
    await mkdir(path.join(dir, 'tmp'));
    await mkdir(path.join(dir, 'context'));
    storage = buildahStorageFor(dir);
    records = new StageOwnerRecords(stageOwnersDirFor(storage));
    baseRef = 'localhost/lbe-test/sweep-base:1';
    baseId = await freshBuilder().importRootfs(path.join(basesDir, baseTarball ?? ''), baseRef);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (dir === '') return;
    await quietly(['rm', '--all']);
    await quietly(['rmi', '--all', '--force']);
    // The overlay driver may leave its own mounts under the storage root; they must go before rm -rf.
    const mounts = (await mountsUnder(dir)).sort((a, b) => b.length - a.length);
    for (const m of mounts)
      await runner.run('umount', ['-l', m], { timeoutMs: 30_000 }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('A: removes the container of a bud whose owner and bud were both SIGKILLed mid-RUN', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, baseRef, 'lbe-test/orphan:1'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));

    // Both the record and the working container exist once the RUN step has started.
    let budPid: number | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      budPid = await findBud(storage.root);
      const running = output.includes('STEP 2/2: RUN sleep 30');
      if (running && budPid !== undefined && (await recordFiles()).length === 1) break;
      await sleep(200);
    }
    expect(output, output).toContain('STEP 2/2: RUN sleep 30');
    expect(budPid).toBeDefined();
    const orphan = (await containers()).filter((c) => c.containername.endsWith('-working-container'));
    expect(orphan).toHaveLength(1);
    const [recordName] = await recordFiles();
    expect(recordName).toBeDefined();

    // Stop bud's whole group first, so the parent-death SIGTERM can never start its cleanup; then kill both.
    const group = budPid ?? 0;
    process.kill(-group, 'SIGSTOP');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    process.kill(-group, 'SIGKILL');
    await waitUntil(async () => !(await processExists(group)));

    expect((await containers()).map((c) => c.containername)).toEqual(orphan.map((c) => c.containername));
    expect(await recordFiles()).toEqual([recordName]);
    const containerMounts = async (): Promise<string[]> =>
      (await mountsUnder(storage.root)).filter((m) => m.endsWith('/merged'));
    expect(await containerMounts()).toHaveLength(1);

    const removed = await freshBuilder().sweepOrphanedStageContainers();
    expect(removed).toEqual(orphan.map((c) => c.containername));
    expect(await containers()).toEqual([]);
    expect(await recordFiles()).toEqual([]);
    expect(await containerMounts()).toEqual([]);
    expect(await freshBuilder().imageExists(baseRef)).toBe(true);
  });

  it('B: keeps a container a live owner of the same image may be building in, until no live owner can claim it', async () => {
    await buildah(['from', '--pull=never', '--quiet', '--name', 'x-working-container', baseRef]);
    const deadId = await records.create(await ownRecord({ ownerPid: DEAD_PID }));
    const liveId = await records.create(await ownRecord());
    const lines: string[] = [];

    const builder = freshBuilder();
    expect(await builder.sweepOrphanedStageContainers({ onLine: (l) => lines.push(l) })).toEqual([]);
    expect((await containers()).map((c) => c.containername)).toEqual(['x-working-container']);
    expect((await recordFiles()).sort()).toEqual([`${deadId}.json`, `${liveId}.json`].sort());
    expect(lines.join('\n')).toContain('kept working container x-working-container');

    // Once the live owner's record is gone, the dead record kept for this container gets it removed.
    await records.remove(liveId);
    expect(await builder.sweepOrphanedStageContainers()).toEqual(['x-working-container']);
    expect(await containers()).toEqual([]);
    expect(await recordFiles()).toEqual([]);
  });

  it('C: deletes a dead record that claims no container and touches nothing else', async () => {
    await buildah(['from', '--pull=never', '--quiet', '--name', 'lbe-export-keep', baseRef]);
    await buildah(['from', '--pull=never', '--quiet', '--name', 'y-working-container', baseRef]);
    const existing = (await containers()).map((c) => c.id);
    const deadId = await records.create(await ownRecord({ ownerPid: DEAD_PID, before: existing }));
    const liveId = await records.create(await ownRecord({ fromImage: 'other', fromImageId: 'f'.repeat(64) }));

    expect(await freshBuilder().sweepOrphanedStageContainers()).toEqual([]);
    expect(await recordFiles()).toEqual([`${liveId}.json`]);
    expect((await containers()).map((c) => c.containername).sort()).toEqual([
      'lbe-export-keep',
      'y-working-container',
    ]);
    expect(deadId).not.toBe(liveId);
    await records.remove(liveId);
    await quietly(['rm', 'lbe-export-keep']);
    await quietly(['rm', 'y-working-container']);
  });

  it('D: the first stage of a builder sweeps before it builds, and leaves no record of its own', async () => {
    await buildah(['from', '--pull=never', '--quiet', '--name', 'z-working-container', baseRef]);
    await records.create(await ownRecord({ ownerPid: DEAD_PID }));
    const lines: string[] = [];
    const id = await freshBuilder().buildStage({
      fromImage: baseRef,
      instructions: ['RUN true'],
      contextDir: path.join(dir, 'context'),
      tag: 'lbe-test/after-sweep:1',
      network: 'none',
      sourceDateEpoch: 1_700_000_000,
      onLine: (l) => lines.push(l),
    });
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(lines.join('\n')).toContain('removed working container z-working-container');
    expect(await containers()).toEqual([]);
    expect(await recordFiles()).toEqual([]);
  });
});

/** The pid of a running `buildah` whose argv names `storageRoot` (setpriv execs buildah in place). */
async function findBud(storageRoot: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8')
      .then((t) => t.split('\0'))
      .catch((): string[] => []);
    if (path.basename(argv[0] ?? '') === 'buildah' && argv.includes(storageRoot) && argv.includes('bud')) {
      return Number(entry);
    }
  }
  return undefined;
}

async function processExists(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
