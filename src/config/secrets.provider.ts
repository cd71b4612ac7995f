import type { Config } from './config.schema.js';

/** The secrets the engine uses. A provider may read them from anywhere (env, a file, a vault). */
export type SecretName = 'ADMIN_API_KEY' | 'DOCKER_HUB_TOKEN' | 'LLM_API_KEY' | 'SENTRY_DSN';

/**
 * Contract: `get` resolves to the secret's value or undefined when it is not set; it never throws for a
 * missing secret. Values must never be logged; callers register them with the log masker.
 */
export interface SecretsProvider {
  get(name: SecretName): Promise<string | undefined>;
}

/** Reads secrets from the parsed environment config. */
export class EnvSecretsProvider implements SecretsProvider {
  constructor(private readonly config: Config) {}

  get(name: SecretName): Promise<string | undefined> {
    return Promise.resolve(this.config[name]);
  }
}
