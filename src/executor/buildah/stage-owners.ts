import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { isErrno, isProcessAlive } from '../process/process-identity.js';
import type { BuildahContainer, BuildahStorage } from '../tools/buildah.tool.js';

/**
 * Ownership records of running `buildah bud` stages, and the choice of which working containers a dead
 * owner left behind.
 *
 * bud names its working container itself (`<image>-working-container[-N]`), so lbe cannot tell its own from
 * another process's by name. Before each bud, the builder writes one record file to
 * `<storage.root>/../lbe-stage-owners/<id>.json`: who owns the bud (pid + kernel start time, so a reused pid
 * does not pass for the owner), which image it starts FROM, and the ids of every container that existed just
 * before it started. The file is written under a temp name and renamed, so a reader sees all of it or
 * nothing; the owner deletes it once bud has exited. A record whose owner is gone marks the containers of its
 * image created after `before` as possibly orphaned; `selectOrphanedContainers` decides which may go.
 */

export const stageOwnerRecordSchema = z.strictObject({
  ownerPid: z.number().int().positive(),
  /** Field 22 (`starttime`, clock ticks since boot) of the owner's `/proc/<pid>/stat`. */
  ownerStart: z.number().int().nonnegative(),
  /** The stage request's `fromImage`, as written in the Dockerfile's FROM line. */
  fromImage: z.string().min(1),
  /** Full image id of `fromImage`, when it could be resolved before bud started. */
  fromImageId: z.string().min(1).optional(),
  /** Ids of all containers in the store just before bud started. */
  before: z.array(z.string()),
  /** ISO 8601. */
  createdAt: z.string(),
});

export type StageOwnerRecord = z.infer<typeof stageOwnerRecordSchema>;

/** A record as found on disk: `id` is the file name without `.json`. */
export interface StoredStageOwnerRecord {
  readonly id: string;
  readonly record: StageOwnerRecord;
}

const RECORD_FILE = /^([0-9a-f]{16,64})\.json$/;

/** The record directory of a store: a sibling of its graph root, shared by every process using the store. */
export function stageOwnersDirFor(storage: BuildahStorage): string {
  return join(dirname(storage.root), 'lbe-stage-owners');
}

/** The record files of one store. Only this class reads or writes them. */
export class StageOwnerRecords {
  constructor(readonly dir: string) {}

  /** Writes `record` under a new random id (temp file + rename) and returns the id. */
  async create(record: StageOwnerRecord): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const id = randomBytes(16).toString('hex');
    const partial = join(this.dir, `.${id}.json.partial`);
    try {
      await writeFile(partial, `${JSON.stringify(record)}\n`, { flag: 'wx' });
      await rename(partial, join(this.dir, `${id}.json`));
    } finally {
      await rm(partial, { force: true });
    }
    return id;
  }

  /** Deletes a record; a missing one is not an error. */
  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
  }

  /**
   * Every complete record. A missing directory is no records; a file that vanishes while it is read (its bud
   * ended) is skipped, and so is one that is not a valid record (it names no owner this code could check).
   */
  async list(): Promise<StoredStageOwnerRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    const records: StoredStageOwnerRecord[] = [];
    for (const name of names.sort()) {
      const id = RECORD_FILE.exec(name)?.[1];
      if (id === undefined) continue;
      let text: string;
      try {
        text = await readFile(join(this.dir, name), 'utf8');
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      const parsed = stageOwnerRecordSchema.safeParse(safeJson(text));
      if (parsed.success) records.push({ id, record: parsed.data });
    }
    return records;
  }
}

/** Whether the process that wrote `record` is still running (same pid and same start time). */
export async function isOwnerAlive(record: StageOwnerRecord): Promise<boolean> {
  return isProcessAlive({ pid: record.ownerPid, start: record.ownerStart });
}

export interface OrphanSelectionInput {
  /** Records whose owner is gone. */
  readonly dead: readonly StoredStageOwnerRecord[];
  /** Every other record read before or after `containers` was listed. */
  readonly live: readonly StoredStageOwnerRecord[];
  /** The store's containers, listed after the dead records were read. */
  readonly containers: readonly BuildahContainer[];
}

export interface OrphanSelection {
  /** Containers to remove, with the ids of the dead records that claim them. */
  readonly remove: readonly { readonly container: BuildahContainer; readonly deadRecordIds: string[] }[];
  /** Containers a dead record claims that may also be a live bud's own: they stay. */
  readonly kept: readonly { readonly container: BuildahContainer; readonly deadRecordIds: string[] }[];
}

const BUD_CONTAINER_NAME = /-working-container(-\d+)?$/;

/**
 * Pure: which of `containers` the dead owners left behind. A container is removed when it is a buildah
 * working container named like bud names them, created from a dead record's image after that record's
 * `before` listing, and no live record of the same image (or of an image it cannot tell apart) was written
 * without it in its `before` — such a container could be that live bud's own, so it is kept.
 */
export function selectOrphanedContainers(input: OrphanSelectionInput): OrphanSelection {
  const remove: OrphanSelection['remove'][number][] = [];
  const kept: OrphanSelection['kept'][number][] = [];
  for (const container of input.containers) {
    if (!container.builder || !BUD_CONTAINER_NAME.test(container.containername)) continue;
    const deadRecordIds = input.dead
      .filter((d) => isFromImage(container, d.record) && !d.record.before.includes(container.id))
      .map((d) => d.id);
    if (deadRecordIds.length === 0) continue;
    const mayBeLive = input.live.some(
      (l) => mayBeFromImage(container, l.record) && !l.record.before.includes(container.id),
    );
    (mayBeLive ? kept : remove).push({ container, deadRecordIds });
  }
  return { remove, kept };
}

/** Whether `container` was certainly created from the record's image: by id when recorded, else by name. */
function isFromImage(container: BuildahContainer, record: StageOwnerRecord): boolean {
  if (record.fromImageId !== undefined) return container.imageid === record.fromImageId;
  const wanted = normalizeImageName(record.fromImage);
  if (/^[0-9a-f]{12,64}$/.test(wanted) && container.imageid.startsWith(wanted)) return true;
  return container.imagename !== '' && normalizeImageName(container.imagename) === wanted;
}

/** Like isFromImage, but a record without an image id cannot rule any container out. */
function mayBeFromImage(container: BuildahContainer, record: StageOwnerRecord): boolean {
  return record.fromImageId === undefined || container.imageid === record.fromImageId;
}

/** `localhost/a/b:t` and `a/b:t` are one local name; a name without a tag means `:latest`. */
export function normalizeImageName(name: string): string {
  const bare = name.replace(/^sha256:/, '').replace(/^localhost\//, '');
  if (/^[0-9a-f]{12,64}$/.test(bare) || bare.includes('@')) return bare;
  const lastPart = bare.slice(bare.lastIndexOf('/') + 1);
  return lastPart.includes(':') ? bare : `${bare}:latest`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
