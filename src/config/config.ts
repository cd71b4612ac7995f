import { join } from 'node:path';
import { LbeError } from '../errors/index.js';
import { defaultCacheDir, envSchema, SECRET_KEYS, type Config } from './config.schema.js';

export type { Config } from './config.schema.js';

/**
 * Parses the environment once. Empty strings count as unset. Every bad variable is reported together in
 * one LbeError(LBE_CONFIG_INVALID) whose issues name the variable and what is allowed.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const known = Object.keys(envSchema.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    throw new LbeError(
      'LBE_CONFIG_INVALID',
      `Invalid environment: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { issues },
    );
  }
  const c = parsed.data;
  return Object.freeze({
    ...c,
    artifactsDir: c.ARTIFACTS_DIR ?? join(c.DATA_DIR, 'artifacts'),
    cacheDir: c.CACHE_DIR ?? defaultCacheDir(env),
  });
}

/** A copy of the config safe to print or log: secrets replaced by `[redacted]`, credentials cut from URLs. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const key of SECRET_KEYS) {
    const value = config[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      out[key] = value.map(() => '[redacted]');
    } else if (typeof value === 'string' && /^[a-z]+:\/\//.test(value)) {
      out[key] = redactUrl(value);
    } else {
      out[key] = '[redacted]';
    }
  }
  if (config.DOCKER_HUB_USER !== undefined) out.DOCKER_HUB_USER = config.DOCKER_HUB_USER;
  return out;
}

function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.username !== '' || u.password !== '') {
      u.username = '[redacted]';
      u.password = '';
    }
    if (u.protocol === 'http:' || u.protocol === 'https:') return `${u.protocol}//${u.host}/[redacted]`;
    return u.toString();
  } catch {
    return '[redacted]';
  }
}
