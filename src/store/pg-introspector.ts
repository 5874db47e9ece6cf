// PostgreSQL introspection limited to the store's own schema, for Kysely's Migrator (it asks whether its
// bookkeeping tables exist). Kysely's own introspector reads every table of every schema and calls
// pg_get_serial_sequence by name on each: a table dropped in another schema between the catalog scan and
// that call fails the whole query ("relation … does not exist"), and with it outdial's start. It also
// matched a `kysely_migration` table in any schema as ours. Nothing here looks outside current_schema().
import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  PostgresDialect,
  PostgresIntrospector,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from "kysely";

interface ColumnRow {
  table: string;
  table_type: string;
  schema: string;
  column: string;
  type: string;
  type_schema: string;
  not_null: boolean;
  has_default: boolean;
  auto_incrementing: boolean;
  column_description: string | null;
}

export class CurrentSchemaIntrospector implements DatabaseIntrospector {
  private readonly schemas: PostgresIntrospector;

  // biome-ignore lint/suspicious/noExplicitAny: introspection runs against any schema version
  constructor(private readonly db: Kysely<any>) {
    this.schemas = new PostgresIntrospector(db);
  }

  getSchemas(): Promise<SchemaMetadata[]> {
    return this.schemas.getSchemas(); // names only: no per-table calls to race
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      SELECT c.relname AS "table", c.relkind AS table_type, ns.nspname AS "schema", a.attname AS "column",
             typ.typname AS "type", dtns.nspname AS type_schema, a.attnotnull AS not_null,
             a.atthasdef AS has_default,
             (a.attidentity <> '' OR pg_get_serial_sequence(c.oid::regclass::text, a.attname) IS NOT NULL)
               AS auto_incrementing,
             col_description(a.attrelid, a.attnum) AS column_description
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
      JOIN pg_catalog.pg_type typ ON typ.oid = a.atttypid
      JOIN pg_catalog.pg_namespace dtns ON dtns.oid = typ.typnamespace
      WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'v', 'p')
        AND a.attnum >= 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, TableMetadata>();
    for (const r of rows) {
      let table = tables.get(r.table);
      if (!table) {
        table = { name: r.table, isView: r.table_type === "v", schema: r.schema, columns: [] };
        tables.set(r.table, table);
      }
      table.columns.push({
        name: r.column,
        dataType: r.type,
        dataTypeSchema: r.type_schema,
        isNullable: !r.not_null,
        isAutoIncrementing: r.auto_incrementing,
        hasDefaultValue: r.has_default,
        comment: r.column_description ?? undefined,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

export class CurrentSchemaPostgresDialect extends PostgresDialect {
  // biome-ignore lint/suspicious/noExplicitAny: any schema version
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}
