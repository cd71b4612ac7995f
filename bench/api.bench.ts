/**
 * API benchmark (run: `npm run bench:api`). autocannon on loopback, 100 connections, ~10 s per target:
 * 1. `GET /api/build/status/:id` of a seeded SUCCESS build (SQLite, 50 log lines, one artifact), through the
 *    full app stack (request id, helmet, CORS, API-key auth, metrics, per-request log line, route schemas,
 *    store; a finished build's response is served from the status cache after the first read);
 * 1b. the same for an IN_PROGRESS build with the same content, read from the store on every request;
 * 2. a bare Fastify route in the same server process (`{ok:true}`), as the ceiling the target refers to;
 * 3. a bare route answering the status response's bytes, to tell the body's size from the app's cost;
 * 4. the floor route: the same bytes behind only the work no implementation of the status route can skip
 *    (request id, API_KEYS key check, one request log line; see `bench/api-bench.server.ts`), to tell the
 *    app's own cost from the cost of that work on this machine.
 * The server (`bench/api-bench.server.ts`) runs in its own process, as production runs it: compiled to
 * JavaScript (tsc, into .lbe-tmp/bench-api) and started with plain `node`, NODE_ENV=production,
 * LOG_LEVEL=info. The load generator therefore neither steals its event loop nor counts in its RSS.
 * Prints requests/s, p50/p95/p99, the throughput ratio, the server's RSS idle and at peak under load, and
 * the idle RSS of the same server under tsx (`npm start`'s development mode) for reference; checks the
 * targets: p95 < 50 ms, ≥ 50 % of the bare route's throughput, idle RSS < 150 MB. Exit code 1 on a miss.
 * The five targets run one after another, BENCH_ROUNDS times (default 3): a ratio is taken within each round
 * (runs seconds apart share the machine's state), and the median round is reported, so one disturbed run
 * does not decide the result. BENCH_DURATION_S (default 10) shortens the runs; BENCH_CPU_PROF=DIR writes a
 * V8 CPU profile of the server; BENCH_REUSE_BUILD=1 skips the compile step when an earlier one exists.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- autocannon ships no type declarations; typed below.
import autocannonUntyped from 'autocannon';
import { BENCH_API_KEY, type ParentMessage, type ServerMessage } from './api-bench.server.js';

/** The part of autocannon's result this bench reads (the package ships no types). */
interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: {
    readonly p50: number;
    readonly p90: number;
    readonly p97_5: number;
    readonly p99: number;
  };
  readonly errors: number;
  readonly non2xx: number;
}
const autocannon = autocannonUntyped as unknown as (options: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => Promise<AutocannonResult>;

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = 100;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT_DIR = join(ROOT, '.lbe-tmp', 'bench-api');

interface Figures {
  readonly rps: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly peakRssMb: number;
  /** Server CPU time (user + system) per request: unlike req/s, barely affected by other load. */
  readonly cpuPerRequestUs: number;
}

/** Compiles src/ and the server entry to JavaScript (no type check: `npm run typecheck` does that). */
function compileServer(): string {
  const entry = join(OUT_DIR, 'bench', 'api-bench.server.js');
  // BENCH_REUSE_BUILD=1 keeps an earlier compiled server (for experiments on the compiled output).
  if (process.env.BENCH_REUSE_BUILD === '1' && existsSync(entry)) return entry;
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const tsconfig = join(OUT_DIR, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { rootDir: '../..', outDir: '.', noEmit: false, sourceMap: false, noCheck: true },
      include: ['../../src', '../../bench/api-bench.server.ts'],
      exclude: ['../../src/**/*.test.ts'],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', tsconfig], { stdio: 'inherit' });
  return entry;
}

function nextMessage<T extends ServerMessage['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ServerMessage): void => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<ServerMessage, { type: T }>);
    };
    const onExit = (code: number | null): void => {
      reject(new Error(`bench server exited (${String(code)}) before '${type}'`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.send({ type: 'exit' } satisfies ParentMessage);
  await exited;
}

async function load(child: ChildProcess, url: string, headers: Record<string, string>): Promise<Figures> {
  child.send({ type: 'sample-start' } satisfies ParentMessage);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
  const rss = nextMessage(child, 'rss');
  child.send({ type: 'sample-stop' } satisfies ParentMessage);
  const { peakRss, cpuMicros } = await rss;
  // autocannon reports p97.5 and p99; p95 is interpolated from the histogram's p90 / p97.5.
  const l = result.latency;
  const p95 = l.p90 + ((l.p97_5 - l.p90) * (95 - 90)) / (97.5 - 90);
  return {
    rps: result.requests.average,
    p50: l.p50,
    p95,
    p99: l.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    peakRssMb: peakRss / 1024 / 1024,
    cpuPerRequestUs: cpuMicros / Math.max(1, result.requests.total),
  };
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;

/** One pass over the five targets, seconds apart. */
interface Round {
  readonly status: Figures;
  readonly running: Figures;
  readonly ceiling: Figures;
  readonly sized: Figures;
  readonly floor: Figures;
}

async function main(): Promise<void> {
  // Development mode first (idle RSS only): the TypeScript sources under tsx, as `npm start` runs them.
  const dev = fork(join(ROOT, 'bench', 'api-bench.server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const devIdle = (await nextMessage(dev, 'ready')).idleRss;
  await stopServer(dev);

  const entry = compileServer();
  const profileDir = process.env.BENCH_CPU_PROF;
  const child = fork(entry, [], {
    execArgv: profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await nextMessage(child, 'ready');
  const auth = { authorization: `Bearer ${BENCH_API_KEY}` };
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const status = await load(child, ready.statusUrl, auth);
    const running = await load(child, ready.runningStatusUrl, auth);
    const ceiling = await load(child, ready.bareUrl, {});
    const sized = await load(child, ready.bareSizedUrl, {});
    const floor = await load(child, ready.floorUrl, auth);
    rounds.push({ status, running, ceiling, sized, floor });
    console.log(
      `round ${i + 1}/${ROUNDS}: finished ${status.rps.toFixed(0)}, running ${running.rps.toFixed(0)}, bare ${ceiling.rps.toFixed(0)}, floor ${floor.rps.toFixed(0)} req/s → ${pct(status.rps / ceiling.rps)}, ${pct(running.rps / ceiling.rps)} of bare (floor: ${pct(floor.rps / ceiling.rps)})`,
    );
  }
  await stopServer(child);

  // The round whose finished-build ratio is the median stands for the run.
  const byRatio = [...rounds].sort((a, b) => a.status.rps / a.ceiling.rps - b.status.rps / b.ceiling.rps);
  const median = byRatio[Math.floor((byRatio.length - 1) / 2)];
  if (median === undefined) throw new Error('no benchmark round ran');
  const { status, running, ceiling, sized, floor } = median;
  const ratio = status.rps / ceiling.rps;
  const runningRatio = running.rps / ceiling.rps;
  console.log(
    `lbe API benchmark — ${CONNECTIONS} connections, ${DURATION_S} s per target, median of ${ROUNDS} rounds, loopback; server compiled, plain node, its own process, NODE_ENV=production, LOG_LEVEL=${process.env.BENCH_LOG_LEVEL ?? 'info'}`,
  );
  for (const [name, f] of [
    ['status, finished build', status],
    ['status, running build', running],
    ['bare route {ok:true}', ceiling],
    ['bare route, same body bytes', sized],
    ['floor: key, log line, bytes', floor],
  ] as const) {
    console.log(
      `${name.padEnd(28)} ${f.rps.toFixed(0).padStart(7)} req/s  p50 ${f.p50.toFixed(1)} ms  p95 ${f.p95.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms  server CPU ${f.cpuPerRequestUs.toFixed(0)} µs/req  errors ${f.errors}  non-2xx ${f.non2xx}  peak RSS ${f.peakRssMb.toFixed(0)} MB`,
    );
  }
  console.log(
    `throughput ratio status/bare: finished ${(ratio * 100).toFixed(1)} %, running ${(runningRatio * 100).toFixed(1)} % (vs the same-size bare body: ${((status.rps / sized.rps) * 100).toFixed(1)} %, ${((running.rps / sized.rps) * 100).toFixed(1)} %); server CPU per request status/bare: ${(status.cpuPerRequestUs / ceiling.cpuPerRequestUs).toFixed(1)}×, ${(running.cpuPerRequestUs / ceiling.cpuPerRequestUs).toFixed(1)}×`,
  );
  console.log(
    `floor route (request id, key check, one log line, the same bytes): ${pct(floor.rps / ceiling.rps)} of bare; status/floor: finished ${pct(status.rps / floor.rps)}, running ${pct(running.rps / floor.rps)}; server CPU per request status/floor: ${(status.cpuPerRequestUs / floor.cpuPerRequestUs).toFixed(1)}×`,
  );
  console.log(
    `server RSS idle: ${mb(ready.idleRss)} MB (under tsx, as \`npm start\` runs it: ${mb(devIdle)} MB)`,
  );
  const targets = [
    ['finished build: p95 < 50 ms', status.p95 < 50],
    ['finished build: ≥ 50 % of bare throughput', ratio >= 0.5],
    ['running build: p95 < 50 ms', running.p95 < 50],
    ['running build: ≥ 50 % of bare throughput', runningRatio >= 0.5],
    ['idle RSS < 150 MB', ready.idleRss < 150 * 1024 * 1024],
    [
      'no errors / non-2xx',
      rounds.every((r) => [r.status, r.running, r.floor].every((f) => f.errors === 0 && f.non2xx === 0)),
    ],
  ] as const;
  for (const [name, ok] of targets) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}`);
  process.exitCode = targets.every(([, ok]) => ok) ? 0 : 1;
}

await main();
