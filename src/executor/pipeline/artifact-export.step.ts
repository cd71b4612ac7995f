import { writeFile } from 'node:fs/promises';
import type { BuildPlan } from '../../plan/plan.types.js';
import { writeContextArchive, writeRootfsArchive } from '../artifacts/rootfs-archive.writer.js';
import type { Builder } from '../builder.types.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { buildSpdxDocument, readRootfsInventory, type RootfsInventory } from '../sbom/index.js';
import { ENGINE_VERSION } from './build-key.js';
import { runConcurrently } from './concurrent-tasks.js';

/** Where the export step writes; `rootfsArchive` only when the spec asks for `outputs.rootfs`. */
export interface ExportFiles {
  readonly imageArchive: string;
  readonly dockerfile: string;
  readonly contextArchive: string;
  readonly sbom: string;
  readonly rootfsArchive?: string;
}

export interface ExportStepInput {
  readonly plan: BuildPlan;
  readonly builder: Builder;
  readonly runner: ProcessRunner;
  /** The last stage's image (its stage-cache tag): its root filesystem is read for the SBOM and rootfs. */
  readonly image: string;
  /** The same image's id. image.tar is written from the id: a tag would land in the archive's RepoTags. */
  readonly imageId: string;
  /** The build context the stages were built from (→ context.tar). */
  readonly contextDir: string;
  /** The build key; it names the SBOM's document namespace. */
  readonly buildKey: string;
  readonly files: ExportFiles;
  readonly signal?: AbortSignal;
  /** Build-log sink: tool output under `export`, the SBOM's warnings under `sbom`, step times under `lbe`. */
  readonly log: (source: string, line: string) => void;
}

/**
 * The `export` step: Dockerfile, context.tar, then two independent branches at the same time —
 *   image.tar       the docker-archive of `imageId` tagged `plan.imageTag` (Builder.exportDockerArchive);
 *   rootfs side     the image's root filesystem through Builder.withRootfs (buildah: the mounted image, no
 *                   copy) → SBOM read from its package database → sbom.spdx.json → rootfs.tar.zst.
 * Each artifact's bytes depend only on the image and the plan, never on the order or overlap of the branches.
 * Contract: resolves with the rootfs inventory (for manifest.json) once every file is written; when one
 * branch fails the other is aborted and awaited, then the first error is thrown (files already written are
 * the caller's to remove). The mount is gone when this settles. Logs `export: <what> in <n> ms` per part.
 */
export async function runExportStep(input: ExportStepInput): Promise<RootfsInventory> {
  const { plan, builder, runner, files, log } = input;
  const onLine = (line: string): void => {
    log('export', line);
  };
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const value = await fn();
    log('lbe', `export: ${what} in ${Date.now() - started} ms`);
    return value;
  };

  await writeFile(files.dockerfile, plan.dockerfile);
  await writeContextArchive(
    runner,
    input.contextDir,
    files.contextArchive,
    plan.sourceDateEpoch,
    input.signal,
  );

  const [, inventory] = await runConcurrently(
    [
      (signal) =>
        timed('image.tar', () =>
          builder.exportDockerArchive(input.imageId, files.imageArchive, plan.imageTag, { signal, onLine }),
        ),
      (signal) =>
        timed('rootfs side (mount, sbom, rootfs.tar.zst, unmount)', () =>
          builder.withRootfs(
            input.image,
            async (rootfsDir) => {
              const found = await timed('sbom', () =>
                readRootfsInventory(rootfsDir, {
                  runner,
                  signal,
                  onWarning: (m) => {
                    log('sbom', m);
                  },
                }),
              );
              const sbom = buildSpdxDocument(found, {
                name: plan.imageTag,
                documentNamespace: `https://lbe.invalid/spdx/${input.buildKey}`,
                created: new Date(plan.sourceDateEpoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
                toolVersion: ENGINE_VERSION,
              });
              await writeFile(files.sbom, `${JSON.stringify(sbom, null, 2)}\n`);
              const { rootfsArchive } = files;
              if (rootfsArchive !== undefined) {
                await timed('rootfs.tar.zst', () =>
                  writeRootfsArchive(runner, rootfsDir, rootfsArchive, plan.sourceDateEpoch, { signal }),
                );
              }
              return found;
            },
            { signal, onLine },
          ),
        ),
    ],
    input.signal,
  );
  return inventory;
}
