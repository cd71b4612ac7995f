import { startServer, stopOnSignals } from '../app/processes.js';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../observability/index.js';

// `npm start`: API + embedded worker, SQLite in ./data and the local queue unless DATABASE_URL / REDIS_URL.
try {
  const config = loadConfig();
  const logger = createLogger(config);
  const proc = await startServer(config, logger);
  process.exitCode = await stopOnSignals(proc, logger);
} catch (err) {
  console.error(`lbe server: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
