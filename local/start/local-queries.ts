/**
 * Athena, locally: DuckDB over the snapshot files, with the Glue table and the named queries of the synthesized
 * template. The table (database, name, columns, partition key, location) becomes a DuckDB view that reads
 * `{prefix}dt=YYYY-MM-DD/{accountId}_{region}_{collaborationId}_{YYYYMMDDTHHMMSSZ}.ndjson.gz` (any `*.ndjson*` object of
 * a `dt=` folder, as Athena reads any object under a partition's location) with hive partitioning; the named queries
 * run as deployed, latest snapshot per (account_id, region, collaboration_id) included, after the few dialect rewrites
 * listed in {@link DIALECT_REWRITES}. The key's account, Region and collaboration are not read from the name: the
 * records carry them as columns, in Athena as here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type Json } from '@duckdb/node-api';
import type { CfnTemplate } from '../lambda-runtime';
import { text } from './text';

/** A named query of the template. */
export interface NamedQuery {
  name: string;
  description: string;
  /** The SQL as deployed (Athena's dialect). */
  query: string;
}

export type Row = Record<string, Json>;

interface GlueColumn {
  Name: string;
  Type: string;
}

/**
 * Athena (Trino) and DuckDB differ in the named queries in two places:
 * - `current_date - INTERVAL 'n' DAY` is a date in Trino and a timestamp in DuckDB, so its cast to varchar would end
 *   in ` 00:00:00` and the string comparison with `dt` would drop the boundary day. Every named query bounds `dt` so:
 *   this rewrite must match each of them (`required`), so that a changed query fails loudly here.
 * - `date_diff(unit, a, b)` counts whole units in Trino, and unit boundaries crossed in DuckDB (01:59 to 02:00 is one
 *   hour); DuckDB's `date_sub` counts whole units. Only the queries that compute a duration use it.
 */
export const DIALECT_REWRITES: readonly { pattern: RegExp; replacement: string; required: boolean }[] = [
  {
    pattern: /CAST\(current_date - INTERVAL '(\d+)' DAY AS varchar\)/g,
    replacement: "CAST(CAST(current_date - INTERVAL '$1' DAY AS date) AS varchar)",
    required: true,
  },
  {
    pattern: /\bdate_diff\('(\w+)', /g,
    replacement: "date_sub('$1', ",
    required: false,
  },
];

/** The named query's SQL in DuckDB's dialect. */
export function toDuckDbSql(athenaSql: string): string {
  let sql = athenaSql;
  for (const { pattern, replacement, required } of DIALECT_REWRITES) {
    if (required && !sql.match(pattern)) throw new Error(`Dialect rewrite ${pattern} no longer matches the named query:\n${athenaSql}`);
    sql = sql.replace(pattern, replacement);
  }
  return sql.trim().replace(/;$/, '');
}

/** A Glue/Hive column type as a DuckDB type (the types the table uses). */
export function glueTypeToDuckDb(glueType: string): string {
  const type = glueType.trim();
  const struct = /^struct<(.*)>$/i.exec(type);
  if (struct) {
    const fields = splitTopLevel(struct[1]).map((field) => {
      const colon = field.indexOf(':');
      return `"${field.slice(0, colon).trim()}" ${glueTypeToDuckDb(field.slice(colon + 1))}`;
    });
    return `STRUCT(${fields.join(', ')})`;
  }
  const simple: Record<string, string> = {
    string: 'VARCHAR',
    timestamp: 'TIMESTAMP',
    bigint: 'BIGINT',
    int: 'INTEGER',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
  };
  const mapped = simple[type.toLowerCase()];
  if (!mapped) throw new Error(`No DuckDB type for the Glue type ${glueType}`);
  return mapped;
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of list) {
    if (char === '<') depth++;
    if (char === '>') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  return [...parts, current];
}

export class LocalAthena {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** Named queries of the template, in template order. */
    readonly namedQueries: readonly NamedQuery[],
    /** The files the table reads (glob). */
    readonly location: string,
  ) {}

  /**
   * Opens an in-memory DuckDB and defines the template's Glue table over `bucketDirectory`, a local folder that
   * holds the bucket's objects at their keys.
   */
  static async open(template: CfnTemplate, bucketDirectory: string): Promise<LocalAthena> {
    const table = Object.values(template.Resources).find((r) => r.Type === 'AWS::Glue::Table')?.Properties;
    if (!table) throw new Error('The template has no Glue table');
    const database = String(table.DatabaseName);
    const input = table.TableInput as {
      Name: string;
      PartitionKeys: GlueColumn[];
      StorageDescriptor: { Columns: GlueColumn[]; Location: unknown };
    };
    const prefix = keyPrefixOf(input.StorageDescriptor.Location);
    const partitions = input.PartitionKeys.map((p) => `${p.Name}=*`).join('/');
    const location = path.join(bucketDirectory, prefix, partitions, '*.ndjson*');
    const namedQueries = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Athena::NamedQuery')
      .map((r) => ({
        name: String(r.Properties!.Name),
        description: text(r.Properties!.Description ?? ''),
        query: String(r.Properties!.QueryString),
      }));

    // No extension downloads (no network); JSON reading is built in.
    const instance = await DuckDBInstance.create(':memory:', {
      threads: '2',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const connection = await instance.connect();
    try {
      // Athena's current_date is UTC.
      await connection.run("SET TimeZone = 'UTC'");
      await connection.run(`CREATE SCHEMA ${ident(database)}`);
      const columns = input.StorageDescriptor.Columns.map((c) => `${sqlString(c.Name)}: ${sqlString(glueTypeToDuckDb(c.Type))}`).join(', ');
      const hiveTypes = input.PartitionKeys.map((p) => `${sqlString(p.Name)}: ${sqlString(glueTypeToDuckDb(p.Type))}`).join(', ');
      const view = `${ident(database)}.${ident(input.Name)}`;
      if (fs.existsSync(bucketDirectory) && hasFiles(path.join(bucketDirectory, prefix))) {
        await connection.run(
          `CREATE VIEW ${view} AS SELECT * FROM read_json(${sqlString(location)}, format = 'newline_delimited', columns = {${columns}}, ` +
            `hive_partitioning = true, hive_types = {${hiveTypes}})`,
        );
      } else {
        // No snapshot at all (every collaboration failed): the table exists and is empty, as in Athena.
        const all = [...input.StorageDescriptor.Columns, ...input.PartitionKeys].map((c) => `${ident(c.Name)} ${glueTypeToDuckDb(c.Type)}`);
        await connection.run(`CREATE TABLE ${view} (${all.join(', ')})`);
      }
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw error;
    }
    return new LocalAthena(instance, connection, namedQueries, location);
  }

  /** Runs the named query `name` (as deployed, in DuckDB's dialect) and returns its rows as JSON values. */
  async run(name: string): Promise<Row[]> {
    const named = this.namedQueries.find((q) => q.name === name);
    if (!named) throw new Error(`No named query "${name}"; the template has: ${this.namedQueries.map((q) => q.name).join(', ')}`);
    const reader = await this.connection.runAndReadAll(toDuckDbSql(named.query));
    return reader.getRowObjectsJson();
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** `s3://{Ref}/prefix/` (a Fn::Join in the template) → `prefix/`. */
function keyPrefixOf(location: unknown): string {
  const join = (location as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  const text = join ? join[1].map((p) => (typeof p === 'string' ? p : '{bucket}')).join(join[0]) : String(location);
  const match = /^s3:\/\/[^/]+\/(.*)$/.exec(text);
  if (!match) throw new Error(`Unexpected table location ${JSON.stringify(location)}`);
  return match[1];
}

function hasFiles(folder: string): boolean {
  return (
    fs.existsSync(folder) &&
    fs.readdirSync(folder, { recursive: true, withFileTypes: true }).some((d) => d.isFile() && /\.ndjson/.test(d.name))
  );
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
