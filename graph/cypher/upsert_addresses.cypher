// upsert_addresses.cypher — $rows (list of [source id, target id]; the type has no properties) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Service {id: row[0]})
MATCH (b:NeedType {id: row[1]})
MERGE (a)-[r:ADDRESSES]->(b)
RETURN count(r) AS written
