import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  DOWNLOAD_CONTENT_TYPES,
  DOWNLOAD_TYPES,
  parseByteRange,
  resolveArtifactFile,
  safeDownloadName,
} from '../../../artifacts/index.js';
import { LbeError } from '../../../errors/index.js';
import { matchesEntityTag } from '../../http/entity-tag.js';
import type { AppDeps } from '../../app.types.js';
import { requirePrincipal } from '../../plugins/auth.plugin.js';
import { buildIdSchema } from '../../schemas/build-id.schema.js';
import { COMMON_ERRORS, errorResponses } from '../../schemas/error.schema.js';

const paramsSchema = z.object({
  id: buildIdSchema,
  type: z.enum(DOWNLOAD_TYPES).describe('Artifact type'),
});

/**
 * `GET /api/build/download/:id/:type`: streams one artifact file.
 * Contracts: the file path comes only from the artifact row (written by the worker) resolved under
 * ARTIFACTS_DIR and checked to stay inside it — the URL supplies an id (validated) and a type (an enum),
 * never a path. `ETag` is the quoted sha256; `If-None-Match` → 304; a single `Range` → 206, an
 * unsatisfiable one → 416 with `Content-Range: bytes *\/size`. When DELETE_ISO_AFTER_DOWNLOAD is on, an
 * ISO is deleted after a complete (200, not ranged) GET has been flushed; partial downloads never delete.
 */
export const downloadsRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = (app, { deps }) => {
  app.get(
    '/api/build/download/:id/:type',
    {
      schema: {
        tags: ['artifacts'],
        summary: 'Download an artifact (Range, ETag)',
        description:
          'Streams the file. Supports `Range: bytes=a-b` (206), `If-None-Match` with the ETag (the sha256) → 304, and sets a safe `Content-Disposition`. Expired artifacts answer 410.',
        params: paramsSchema,
        headers: z.looseObject({
          range: z.string().max(200).optional(),
          'if-none-match': z.string().max(200).optional(),
          'if-range': z.string().max(200).optional(),
        }),
        response: {
          200: z.any().describe('The file bytes'),
          206: z.any().describe('The requested byte range'),
          304: z.null().describe('Not modified (ETag matched)'),
          ...errorResponses(...COMMON_ERRORS, 404, 410, 416),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { id, type } = request.params;
      const artifact = await deps.store.artifacts.get(principal.tenantId, id, type);
      if (artifact === undefined) {
        const build = await deps.store.builds.get(principal.tenantId, id);
        throw new LbeError(build === undefined ? 'LBE_BUILD_NOT_FOUND' : 'LBE_ARTIFACT_NOT_FOUND');
      }
      if (artifact.deletedAt !== null) throw new LbeError('LBE_ARTIFACT_EXPIRED');
      if (artifact.path === null) throw new LbeError('LBE_ARTIFACT_NOT_FOUND');
      const file = resolveArtifactFile(deps.config.artifactsDir, artifact.path);
      let size: number;
      try {
        const st = await stat(file);
        if (!st.isFile()) throw new LbeError('LBE_ARTIFACT_NOT_FOUND');
        size = st.size;
      } catch (err) {
        if (err instanceof LbeError) throw err;
        request.log.warn({ buildId: id, type, err }, 'artifact row without a file');
        throw new LbeError('LBE_ARTIFACT_EXPIRED');
      }

      const etag = artifact.sha256 === null ? undefined : `"${artifact.sha256}"`;
      void reply
        .header('accept-ranges', 'bytes')
        .header('content-type', DOWNLOAD_CONTENT_TYPES[type])
        .header('content-disposition', `attachment; filename="${safeDownloadName(artifact.fileName)}"`)
        .header('cache-control', 'private, max-age=0, must-revalidate');
      if (etag !== undefined) void reply.header('etag', etag);

      const ifNoneMatch = request.headers['if-none-match'];
      if (etag !== undefined && matchesEntityTag(ifNoneMatch, etag)) {
        return reply.code(304).send(null);
      }

      const ifRange = request.headers['if-range'];
      const rangeHeader = ifRange !== undefined && ifRange !== etag ? undefined : request.headers.range;
      const range = parseByteRange(rangeHeader, size);
      switch (range.kind) {
        case 'unsatisfiable':
          throw new LbeError('LBE_ARTIFACT_RANGE_INVALID', undefined, { details: { size } });
        case 'partial':
          void reply
            .code(206)
            .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
            .header('content-length', range.end - range.start + 1);
          return reply.send(createReadStream(file, { start: range.start, end: range.end }));
        case 'full': {
          void reply.code(200).header('content-length', size);
          if (type === 'iso' && deps.config.DELETE_ISO_AFTER_DOWNLOAD && request.method === 'GET') {
            reply.raw.once('finish', () => {
              deps.retention.deleteArtifact(artifact).then(
                (ok) => {
                  if (ok) request.log.info({ buildId: id }, 'ISO deleted after a complete download');
                },
                (err: unknown) => {
                  request.log.error({ err, buildId: id }, 'ISO delete after download failed');
                },
              );
            });
          }
          return reply.send(size === 0 ? '' : createReadStream(file));
        }
      }
    },
  );
  return Promise.resolve();
};
