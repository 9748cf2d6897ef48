// upsert_addresses.cypher — $rows (list of {source, target}; the type has no properties) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Service {id: row.source})
MATCH (b:NeedType {id: row.target})
MERGE (a)-[r:ADDRESSES]->(b)
RETURN count(r) AS written
