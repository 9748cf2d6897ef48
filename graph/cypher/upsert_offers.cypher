// upsert_offers.cypher — $rows (list of {source, target}; the type has no properties) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Agency {id: row.source})
MATCH (b:Service {id: row.target})
MERGE (a)-[r:OFFERS]->(b)
RETURN count(r) AS written
