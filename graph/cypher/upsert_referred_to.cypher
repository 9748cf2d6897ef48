// upsert_referred_to.cypher — $rows (list of [source id, target id, props]) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Student {id: row[0]})
MATCH (b:Service {id: row[1]})
MERGE (a)-[r:REFERRED_TO]->(b)
SET r += row[2]
RETURN count(r) AS written
