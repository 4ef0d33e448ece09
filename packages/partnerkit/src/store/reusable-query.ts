import type { Compilable, CompiledQuery, Kysely } from "kysely";

/**
 * A query built and compiled once per database handle, then run with fresh parameters. Building
 * and compiling a Kysely query costs more than SQLite takes to answer a point read, and the hot
 * Partner API reads (installation, resource) run on every request.
 *
 * `build` receives placeholders and must use each exactly once, in order; that is checked when
 * the query is first compiled, so a query whose parameters would not line up fails loudly.
 */
export function reusableQuery<DB, Row, Params extends unknown[]>(
  build: (db: Kysely<DB>, ...params: Params) => Compilable<Row>,
): (db: Kysely<DB>, ...params: Params) => Promise<Row[]> {
  const compiledFor = new WeakMap<Kysely<DB>, CompiledQuery<Row>>();
  return async (db, ...params) => {
    let compiled = compiledFor.get(db);
    if (!compiled) {
      const placeholders = params.map((_, index) => `\u0000reusable-${index}`) as Params;
      compiled = build(db, ...placeholders).compile();
      const lined = compiled.parameters.every((value, index) => value === placeholders[index]);
      if (!lined || compiled.parameters.length !== params.length) {
        throw new Error("reusableQuery: the builder must use each parameter once, in order");
      }
      compiledFor.set(db, compiled);
    }
    const result = await db.executeQuery<Row>({ ...compiled, parameters: params });
    return result.rows;
  };
}
