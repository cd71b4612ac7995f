export { loadConfig, redactConfig, type Config } from './config.js';
export { envSchema, defaultCacheDir } from './config.schema.js';
export { EnvSecretsProvider, type SecretName, type SecretsProvider } from './secrets.provider.js';
