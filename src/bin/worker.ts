import { startWorker, stopOnSignals } from '../app/processes.js';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../observability/index.js';

// A worker without the API: shares the database (and Redis) with the API processes.
try {
  const config = loadConfig();
  const logger = createLogger(config);
  const proc = await startWorker(config, logger);
  process.exitCode = await stopOnSignals(proc, logger);
} catch (err) {
  console.error(`lbe worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
