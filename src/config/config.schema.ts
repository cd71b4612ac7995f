import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

const url = (protocols: readonly string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { error: `must be a URL with scheme ${protocols.join(' | ')}` },
  );

const port = z.coerce.number().int().min(1).max(65535);

/** Byte sizes like `2g`, `512m`, `1024k` or a plain number of bytes, as buildah's `--memory` accepts. */
const memorySize = z.string().regex(/^\d+[bkmg]?$/i, 'must be a size like 2g, 512m or a number of bytes');

/**
 * Every environment variable the engine reads. Nothing else reads `process.env`.
 * Names marked secret are redacted by `redactConfig`.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: csv.default([]),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),

  DATABASE_URL: z
    .string()
    .refine((v) => /^(postgres(ql)?:\/\/|sqlite:|file:)/.test(v), {
      error: 'must start with postgres://, postgresql://, sqlite: or file:',
    })
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  ARTIFACTS_DIR: z.string().min(1).optional(),
  CACHE_DIR: z.string().min(1).optional(),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  QUEUE_DRIVER: z.enum(['auto', 'local', 'bullmq']).default('auto'),

  API_KEYS: csv.default([]),
  ADMIN_API_KEY: z.string().min(32, 'must be at least 32 characters').optional(),

  BUILD_BACKEND: z.enum(['auto', 'buildah', 'docker']).default('auto'),
  BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  BUILD_MEMORY_LIMIT: memorySize.default('2g'),
  BUILD_CPU_LIMIT: z.coerce.number().positive().max(256).default(2),
  BUILD_PIDS_LIMIT: z.coerce.number().int().min(16).default(100),
  BUILD_TIMEOUT_SECONDS: z.coerce.number().int().min(10).default(1800),
  /** On SIGTERM, running builds get this long to finish before they are aborted and requeued. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
  /** Wall-clock limit of one QEMU boot of a built ISO (outputs.bootTest), per firmware (BIOS, UEFI). */
  BOOT_TEST_TIMEOUT_SECONDS: z.coerce.number().int().min(30).default(420),
  DEBIAN_MIRROR: url(['http', 'https']).default('http://deb.debian.org/debian'),
  UBUNTU_MIRROR: url(['http', 'https']).default('http://archive.ubuntu.com/ubuntu'),

  DOCKER_HOST: z.string().optional(),
  DOCKER_IMAGE_REPO: z
    .string()
    .regex(
      /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/,
      'must be a registry repository like registry:5000/team/lbe',
    )
    .optional(),
  DOCKER_HUB_USER: z.string().optional(),
  DOCKER_HUB_TOKEN: z.string().optional(),
  REGISTRY_TLS_VERIFY: bool.default(true),

  OLLAMA_URL: url(['http', 'https']).optional(),
  OLLAMA_MODEL: z.string().min(1).default('llama3.1'),
  OLLAMA_TIMEOUT: z.coerce.number().int().min(1000).default(120_000),
  LLM_PROVIDER: z.enum(['ollama', 'openai']).optional(),
  LLM_BASE_URL: url(['http', 'https']).optional(),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().min(1).optional(),
  LLM_REPAIR_ATTEMPTS: z.coerce.number().int().min(0).max(10).default(2),

  SENTRY_DSN: url(['http', 'https']).optional(),

  ARTIFACT_RETENTION_HOURS: z.coerce.number().positive().default(24),
  DELETE_ISO_AFTER_DOWNLOAD: bool.default(true),
  /** A finished build's status response is served from memory this long (0: never cached). */
  STATUS_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
  /** Failed API-key checks one client address may make per minute before it gets 429 (0: unlimited). */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).max(100000).default(30),
  WEBHOOK_ALLOWED_HOSTS: csv.default([]),
});

export type Config = Readonly<
  z.infer<typeof envSchema> & {
    /** Resolved absolute-or-relative directories, after defaults that depend on other variables. */
    readonly artifactsDir: string;
    readonly cacheDir: string;
  }
>;

export const SECRET_KEYS = [
  'API_KEYS',
  'ADMIN_API_KEY',
  'DOCKER_HUB_TOKEN',
  'LLM_API_KEY',
  'SENTRY_DSN',
  'DATABASE_URL',
  'REDIS_URL',
] as const;

export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'lbe');
}
