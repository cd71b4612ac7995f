import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { Database } from './database.schema.js';

/**
 * A query built and compiled once, then run with new parameter values: skips Kysely's per-call query
 * building, plugin transforms and SQL compilation, which cost more than running a small indexed query on
 * SQLite. Result rows still pass through the plugins (camelCase mapping).
 *
 * Contract: `build` receives `param(name)` (a placeholder that fits any value position) and must use it for
 * every value that varies between calls;
 * each named parameter must reach the compiled SQL as exactly one bound value (Kysely binds values in
 * order, so the positions are found once from unique marker values). Throws at construction otherwise.
 * Values that never vary (limits, fixed statuses) may be written as literals in `build`.
 */
export class PrecompiledQuery<Row, Params extends string> {
  private readonly compiled: CompiledQuery<Row>;
  /** For each bound value: the parameter's name, or undefined when the value is a literal of `build`. */
  private readonly slots: readonly (Params | undefined)[];

  constructor(
    private readonly db: Kysely<Database>,
    names: readonly Params[],
    build: (param: (name: Params) => never) => Compilable<Row>,
  ) {
    const marker = (name: Params): string => `\u0000lbe-param:${name}`;
    // A marker typed `never` fits any value position of the builder; it is only ever a bound value.
    this.compiled = build((name) => marker(name) as never).compile();
    const byMarker = new Map(names.map((n) => [marker(n), n]));
    this.slots = this.compiled.parameters.map((v) => (typeof v === 'string' ? byMarker.get(v) : undefined));
    for (const n of names) {
      if (this.slots.filter((s) => s === n).length !== 1) {
        throw new Error(`precompiled query: parameter ${n} must be bound exactly once`);
      }
    }
  }

  /** Runs the query with `values` bound by name; resolves the (plugin-transformed) rows. */
  async execute(values: Readonly<Record<Params, unknown>>): Promise<Row[]> {
    const parameters = this.slots.map((slot, i) =>
      slot === undefined ? this.compiled.parameters[i] : values[slot],
    );
    const result = await this.db.executeQuery<Row>({ ...this.compiled, parameters });
    return result.rows;
  }
}
