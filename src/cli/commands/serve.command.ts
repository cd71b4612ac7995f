import type { Command } from 'commander';
import { startServer, stopOnSignals } from '../../app/processes.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../observability/index.js';

/** `lbe serve`: the API with an embedded worker (same as `npm start`); stops gracefully on SIGTERM. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API with an embedded build worker (config from the environment)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config);
      process.exitCode = await stopOnSignals(await startServer(config, logger), logger);
    });
}
