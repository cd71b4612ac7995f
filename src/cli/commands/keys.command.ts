import type { Command } from 'commander';
import { KeyService, type ApiKeyView } from '../../auth/key.service.js';
import { isScope, type Scope } from '../../auth/scopes.js';
import { loadConfig } from '../../config/index.js';
import { LbeError } from '../../errors/index.js';
import {
  bootstrapDefaultOrganization,
  createStore,
  MEMBER_ROLES,
  ORGANIZATION_TIERS,
  type MemberRole,
  type OrganizationTier,
  type Store,
} from '../../store/index.js';
import { printJson, printLine } from '../cli-output.js';

interface OrgOption {
  org?: string;
  json?: boolean;
}

interface CreateOptions extends OrgOption {
  name: string;
  scopes?: string;
  role?: string;
  rateLimit?: string;
  quota?: string;
  tier?: string;
  expires?: string;
}

function invalid(path: string, message: string): LbeError {
  return new LbeError('LBE_API_VALIDATION', `${path}: ${message}`, { issues: [{ path, message }] });
}

function parseScopes(value: string | undefined): Scope[] | undefined {
  if (value === undefined) return undefined;
  const scopes = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length > 0 || scopes.length === 0) throw invalid('--scopes', `unknown scope(s): ${bad.join(', ')}`);
  return scopes as Scope[];
}

function parseCount(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw invalid(flag, 'must be a whole number ≥ 0');
  return n;
}

function oneOf<T extends string>(
  flag: string,
  allowed: readonly T[],
  value: string | undefined,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw invalid(flag, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** Opens the configured database (migrated, default organization ensured), runs `fn`, closes it. */
async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = createStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    await store.migrate();
    await bootstrapDefaultOrganization(store);
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function organizationId(store: Store, slug = 'default'): Promise<string> {
  const org = await store.organizations.getBySlug(slug);
  if (org === undefined) throw new LbeError('LBE_ORG_NOT_FOUND', `No organization with slug ${slug}`);
  return org.id;
}

function describeKey(key: ApiKeyView): string {
  const state =
    key.revokedAt !== null
      ? 'revoked'
      : key.expiresAt !== null && key.expiresAt <= Date.now()
        ? 'expired'
        : 'active';
  const quota = key.buildQuota === null ? 'unlimited' : String(key.buildQuota);
  return `${key.id}  ${key.prefix}…  ${key.name}  [${key.scopes.join(',')}]  role=${key.role} tier=${key.tier} rate=${String(key.rateLimit)}/min quota=${quota}/month builds=${String(key.totalBuilds)}  ${state}`;
}

function printSecret(key: ApiKeyView, raw: string, json: boolean | undefined): void {
  if (json === true) {
    printJson({ key, apiKey: raw });
    return;
  }
  printLine(process.stdout, raw);
  printLine(process.stderr, `key ${key.id} (${key.name}): the full key is shown only now; store it safely`);
}

/**
 * `lbe keys create|list|revoke|rotate`: API key administration straight on the configured database
 * (DATABASE_URL or the SQLite file under DATA_DIR), for operators. Keys belong to `--org <slug>`
 * (default `default`). `create` and `rotate` print the full key once on stdout; only its sha256 is stored.
 * A running server notices a CLI revocation within its key-cache time (30 s); the admin API revokes at once.
 */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('create, list, revoke and rotate API keys');

  keys
    .command('create')
    .description('issue a new API key and print it once')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--org <slug>', 'organization slug', 'default')
    .option('--scopes <list>', 'comma-separated scopes (default build:create,build:read,build:cancel)')
    .option('--role <role>', `role in the organization: ${MEMBER_ROLES.join('|')} (default member)`)
    .option('--rate-limit <n>', 'requests per minute (default 100)')
    .option('--quota <n>', 'builds per calendar month (default unlimited)')
    .option('--tier <tier>', `${ORGANIZATION_TIERS.join('|')} (default the organization's)`)
    .option('--expires <iso>', 'expiry time, ISO 8601')
    .option('--json', 'print {key, apiKey} as JSON')
    .action(async (options: CreateOptions) => {
      const expiresAt = options.expires === undefined ? undefined : Date.parse(options.expires);
      if (expiresAt !== undefined && Number.isNaN(expiresAt))
        throw invalid('--expires', 'must be an ISO 8601 time');
      const rateLimit = parseCount('--rate-limit', options.rateLimit);
      if (rateLimit === 0) throw invalid('--rate-limit', 'must be at least 1');
      const input = {
        name: options.name,
        scopes: parseScopes(options.scopes),
        role: oneOf<MemberRole>('--role', MEMBER_ROLES, options.role),
        rateLimit,
        buildQuota: parseCount('--quota', options.quota),
        tier: oneOf<OrganizationTier>('--tier', ORGANIZATION_TIERS, options.tier),
        expiresAt,
      };
      await withStore(async (store) => {
        const created = await new KeyService(store).create(await organizationId(store, options.org), input);
        printSecret(created.key, created.raw, options.json);
      });
    });

  keys
    .command('list')
    .description('list the keys of an organization (never the key itself)')
    .option('--org <slug>', 'organization slug', 'default')
    .option('--json', 'print the keys as JSON')
    .action(async (options: OrgOption) => {
      await withStore(async (store) => {
        const list = await new KeyService(store).list(await organizationId(store, options.org));
        if (options.json === true) {
          printJson(list);
          return;
        }
        if (list.length === 0) printLine(process.stderr, 'no keys');
        for (const key of list) printLine(process.stdout, describeKey(key));
      });
    });

  keys
    .command('revoke <id>')
    .description('revoke a key')
    .option('--org <slug>', 'organization slug', 'default')
    .action(async (id: string, options: OrgOption) => {
      await withStore(async (store) => {
        await new KeyService(store).revoke(await organizationId(store, options.org), id);
        printLine(process.stdout, `revoked ${id}`);
      });
    });

  keys
    .command('rotate <id>')
    .description('give a key a new secret (same id, scopes and usage) and print it once')
    .option('--org <slug>', 'organization slug', 'default')
    .option('--json', 'print {key, apiKey} as JSON')
    .action(async (id: string, options: OrgOption) => {
      await withStore(async (store) => {
        const rotated = await new KeyService(store).rotate(await organizationId(store, options.org), id);
        printSecret(rotated.key, rotated.raw, options.json);
      });
    });
}
