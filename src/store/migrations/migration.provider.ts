import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.migration.js';
import * as apiKeyRoles from './0002-api-key-roles.migration.js';
import * as webhookDeliveryLog from './0003-webhook-delivery-log.migration.js';

/**
 * The numbered migrations, imported statically (no folder scan, so bundling and `tsx` both work).
 * Append new entries; never edit or renumber a released one.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-api-key-roles': apiKeyRoles,
  '0003-webhook-delivery-log': webhookDeliveryLog,
};

export class StaticMigrationProvider implements MigrationProvider {
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve({ ...MIGRATIONS });
  }
}
