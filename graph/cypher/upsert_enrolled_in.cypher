// upsert_enrolled_in.cypher — $rows (list of [source id, target id]; the type has no properties) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Student {id: row[0]})
MATCH (b:School {id: row[1]})
MERGE (a)-[r:ENROLLED_IN]->(b)
RETURN count(r) AS written
