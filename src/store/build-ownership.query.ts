import type { Kysely } from 'kysely';
import type { Database } from './database.schema.js';

/**
 * True when build `buildId` exists and belongs to `organizationId`: how the child-row repositories (logs,
 * artifacts) tell "no rows yet" from "not yours / not there" after a joined query came back empty.
 */
export async function buildBelongsTo(
  db: Kysely<Database>,
  organizationId: string,
  buildId: string,
): Promise<boolean> {
  const owner = await db
    .selectFrom('builds')
    .select('id')
    .where('organizationId', '=', organizationId)
    .where('id', '=', buildId)
    .executeTakeFirst();
  return owner !== undefined;
}
