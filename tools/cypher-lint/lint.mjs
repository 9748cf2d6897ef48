// Lints Cypher statements with Neo4j's own language support (the linter of Neo4j's editors).
//
// Reads JSON on stdin:
//   {"schema": {"labels": [...], "relationshipTypes": [...], "propertyKeys": [...]},
//    "queries": [{"name": "...", "text": "...", "parameters": ["rows", ...]}, ...]}
// and writes JSON on stdout, one entry per query:
//   {"<name>": {"statements": 1, "diagnostics": [{"severity": "error", "message": "...", "line": 3, "column": 7}]}}
//
// Each query is linted against Cypher 5 (Neo4j 5 LTS) with the Neo4j 5 function and procedure
// signatures shipped with the package (testData.mockSchema), the graph's labels, types and
// property keys, and only the parameters that query declares. So syntax errors, undefined
// variables, undeclared parameters, unknown functions or procedures, and labels, types or
// properties the graph does not have all come back as diagnostics.

import { lintCypherQuery, parseStatementsStrs, testData } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function lint(query, graph) {
  const schema = {
    functions: testData.mockSchema.functions,
    procedures: testData.mockSchema.procedures,
    labels: graph.labels,
    relationshipTypes: graph.relationshipTypes,
    propertyKeys: graph.propertyKeys,
    parameters: Object.fromEntries(query.parameters.map((name) => [name, null])),
    defaultLanguage: 'CYPHER 5',
  };
  const { diagnostics } = lintCypherQuery(query.text, schema);
  return {
    statements: parseStatementsStrs(query.text).filter((s) => s.trim()).length,
    diagnostics: diagnostics.map((d) => ({
      severity: SEVERITY[d.severity] ?? String(d.severity),
      message: d.message,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
    })),
  };
}

const input = JSON.parse(await readStdin());
const results = {};
for (const query of input.queries) {
  results[query.name] = lint(query, input.schema);
}
process.stdout.write(JSON.stringify(results));
