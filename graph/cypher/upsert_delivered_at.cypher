// upsert_delivered_at.cypher — $rows (list of [source id, target id]; the type has no properties) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Service {id: row[0]})
MATCH (b:Site {id: row[1]})
MERGE (a)-[r:DELIVERED_AT]->(b)
RETURN count(r) AS written
