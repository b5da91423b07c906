// Evaluates fieldbase's PowerSync sync config with PowerSync's own compiler and evaluator
// (@powersync/service-sync-rules, the code the PowerSync Service runs), offline: given the rows
// of the source tables and a set of users, which rows each user's device would receive.
//
//   node powersync/evaluate.mjs < input.json > output.json
//
// input:  {"config": "<yaml>", "schema": [{"name": table, "columns": [{"name", "pg_type", "internal_type"}]}],
//          "tables": {table: [row, ...]}, "users": {label: jwt_payload}}
// output: {"errors": [message, ...], "users": {label: {table: [id, ...]}}}
//
// The suite (tests/integration/test_powersync.py) compares the output with what RLS lets each
// user read: no more, no fewer.
import { readFileSync } from 'node:fs';

// Node 20 lacks Object.groupBy (Node 21+), which the edition 3 compiler calls.
if (!Object.groupBy) {
  Object.groupBy = (items, key) => {
    const groups = Object.create(null);
    let index = 0;
    for (const item of items) (groups[key(item, index++)] ??= []).push(item);
    return groups;
  };
}

const { BaseJwtPayload, DEFAULT_HYDRATION_STATE, RequestParameters, SqlSyncRules, StaticSchema } = await import(
  '@powersync/service-sync-rules'
);

const input = JSON.parse(readFileSync(0, 'utf8'));
const schema = new StaticSchema([
  { tag: 'default', schemas: [{ name: 'public', tables: input.schema ?? [] }] },
]);
const { config, errors } = SqlSyncRules.fromYaml(input.config, {
  defaultSchema: 'public',
  schema,
  throwOnError: false,
});
const messages = errors.map((e) => `${e.type ?? 'error'}: ${e.message}`);
if (errors.some((e) => e.type !== 'warning')) {
  process.stdout.write(JSON.stringify({ errors: messages, users: {} }));
  process.exit(0);
}
const rules = config.hydrate({ hydrationState: DEFAULT_HYDRATION_STATE });
const source = (name) => ({ connectionTag: 'default', schema: 'public', name });

// What the service stores as rows replicate: the parameter index and each bucket's rows.
const parameterIndex = new Map();
const bucketRows = new Map();
for (const [table, rows] of Object.entries(input.tables)) {
  for (const row of rows) {
    for (const found of rules.evaluateParameterRow(source(table), row)) {
      const key = found.lookup.serializedRepresentation;
      parameterIndex.set(key, [...(parameterIndex.get(key) ?? []), ...found.bucketParameters]);
    }
    for (const found of rules.evaluateRow({ sourceTable: source(table), record: row })) {
      if (!bucketRows.has(found.bucket)) bucketRows.set(found.bucket, []);
      bucketRows.get(found.bucket).push([found.table, found.id]);
    }
  }
}

// What each user's connection is given: its buckets, then their rows.
const users = {};
for (const [label, payload] of Object.entries(input.users)) {
  const { querier, errors: querierErrors } = rules.getBucketParameterQuerier({
    globalParameters: new RequestParameters(new BaseJwtPayload(payload), {}),
    hasDefaultStreams: true,
    streams: {},
  });
  messages.push(...querierErrors.map((e) => `querier: ${e.message}`));
  const dynamic = await querier.queryDynamicBucketDescriptions({
    getParameterSets: async (lookups) =>
      lookups.map((lookup) => ({ lookup, rows: parameterIndex.get(lookup.serializedRepresentation) ?? [] })),
  });
  const seen = {};
  for (const bucket of [...querier.staticBuckets, ...dynamic]) {
    for (const [table, id] of bucketRows.get(bucket.bucket) ?? []) {
      (seen[table] ??= new Set()).add(id);
    }
  }
  users[label] = Object.fromEntries(Object.entries(seen).map(([t, ids]) => [t, [...ids].sort()]));
}
process.stdout.write(JSON.stringify({ errors: messages, users }));
