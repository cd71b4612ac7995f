import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BuildahContainer } from '../tools/buildah.tool.js';
import {
  StageOwnerRecords,
  isOwnerAlive,
  normalizeImageName,
  selectOrphanedContainers,
  stageOwnersDirFor,
  type StageOwnerRecord,
  type StoredStageOwnerRecord,
} from './stage-owners.js';
import { processStartTime } from '../process/process-identity.js';

const IMAGE = 'a'.repeat(64);
const OTHER_IMAGE = 'b'.repeat(64);

const container = (id: string, extra: Partial<BuildahContainer> = {}): BuildahContainer => ({
  id: id.padEnd(64, '0'),
  builder: true,
  imageid: IMAGE,
  imagename: 'localhost/lbe-cache/stage:k1',
  containername: 'stage-working-container',
  ...extra,
});

const record = (id: string, extra: Partial<StageOwnerRecord> = {}): StoredStageOwnerRecord => ({
  id,
  record: {
    ownerPid: 4242,
    ownerStart: 100,
    fromImage: 'localhost/lbe-cache/stage:k1',
    fromImageId: IMAGE,
    before: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  },
});

describe('isOwnerAlive', () => {
  it('is true only for the same pid with the same start time', async () => {
    const own = await processStartTime(process.pid);
    const me = record('x', { ownerPid: process.pid, ownerStart: own ?? -1 }).record;
    expect(await isOwnerAlive(me)).toBe(true);
    expect(await isOwnerAlive({ ...me, ownerStart: (own ?? 0) + 1 })).toBe(false);
    expect(await isOwnerAlive({ ...me, ownerPid: 2 ** 30 })).toBe(false);
  });
});

describe('normalizeImageName', () => {
  it('treats localhost/ and a missing tag as buildah prints them', () => {
    expect(normalizeImageName('localhost/lbe-cache/stage:k1')).toBe('lbe-cache/stage:k1');
    expect(normalizeImageName('lbe-cache/stage')).toBe('lbe-cache/stage:latest');
    expect(normalizeImageName('registry:5000/x')).toBe('registry:5000/x:latest');
    expect(normalizeImageName(`sha256:${IMAGE}`)).toBe(IMAGE);
  });
});

describe('selectOrphanedContainers', () => {
  it('removes a working container a dead owner created from its image', () => {
    const orphan = container('c1');
    const selection = selectOrphanedContainers({ dead: [record('d1')], live: [], containers: [orphan] });
    expect(selection.remove).toEqual([{ container: orphan, deadRecordIds: ['d1'] }]);
    expect(selection.kept).toEqual([]);
  });

  it('leaves containers that existed before, other images, non-bud names and non-buildah containers', () => {
    const before = container('c1');
    const selection = selectOrphanedContainers({
      dead: [record('d1', { before: [before.id] })],
      live: [],
      containers: [
        before,
        container('c2', { imageid: OTHER_IMAGE }),
        container('c3', { containername: 'lbe-export-abc' }),
        container('c4', { containername: 'stage-working-container-x' }),
        container('c5', { builder: false }),
      ],
    });
    expect(selection).toEqual({ remove: [], kept: [] });
  });

  it('accepts bud collision suffixes', () => {
    const selection = selectOrphanedContainers({
      dead: [record('d1')],
      live: [],
      containers: [container('c1', { containername: 'stage-working-container-12' })],
    });
    expect(selection.remove.map((r) => r.container.containername)).toEqual(['stage-working-container-12']);
  });

  it('keeps a container a live owner of the same image could have created', () => {
    const candidate = container('c1');
    const selection = selectOrphanedContainers({
      dead: [record('d1')],
      live: [record('l1', { ownerPid: 1 })],
      containers: [candidate],
    });
    expect(selection).toEqual({ remove: [], kept: [{ container: candidate, deadRecordIds: ['d1'] }] });
  });

  it('ignores live owners that listed the container before, or build another image', () => {
    const candidate = container('c1');
    const selection = selectOrphanedContainers({
      dead: [record('d1')],
      live: [
        record('l1', { before: [candidate.id] }),
        record('l2', { fromImage: 'other', fromImageId: OTHER_IMAGE }),
      ],
      containers: [candidate],
    });
    expect(selection.remove).toHaveLength(1);
  });

  it('lets a live owner without an image id protect every image', () => {
    const selection = selectOrphanedContainers({
      dead: [record('d1')],
      live: [record('l1', { fromImage: 'something/else', fromImageId: undefined })],
      containers: [container('c1')],
    });
    expect(selection.kept).toHaveLength(1);
  });

  it('matches a dead record without an image id by name or by id prefix', () => {
    const byName = record('d1', { fromImage: 'lbe-cache/stage:k1', fromImageId: undefined });
    const byId = record('d2', { fromImage: IMAGE.slice(0, 12), fromImageId: undefined });
    const wrongName = record('d3', { fromImage: 'lbe-cache/stage:k2', fromImageId: undefined });
    expect(
      selectOrphanedContainers({ dead: [byName, byId, wrongName], live: [], containers: [container('c1')] })
        .remove[0]?.deadRecordIds,
    ).toEqual(['d1', 'd2']);
  });
});

describe('StageOwnerRecords', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lbe-stage-owners-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lives next to the graph root', () => {
    expect(stageOwnersDirFor({ root: '/c/containers/storage', runroot: '/c/containers/run' })).toBe(
      '/c/containers/lbe-stage-owners',
    );
  });

  it('writes, lists and removes complete records only', async () => {
    const records = new StageOwnerRecords(join(dir, 'owners'));
    expect(await records.list()).toEqual([]);
    const { record: value } = record('unused');
    const id = await records.create(value);
    expect(await readdir(records.dir)).toEqual([`${id}.json`]);
    await writeFile(join(records.dir, `.${'f'.repeat(32)}.json.partial`), '{"ownerPid":');
    await writeFile(join(records.dir, `${'e'.repeat(32)}.json`), '{"ownerPid": 1}');
    expect(await records.list()).toEqual([{ id, record: value }]);
    await records.remove(id);
    await records.remove(id);
    expect((await records.list()).map((r) => r.id)).toEqual([]);
  });
});
