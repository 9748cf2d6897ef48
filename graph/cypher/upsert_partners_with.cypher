// upsert_partners_with.cypher — $rows (list of [source id, target id, props]) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:School {id: row[0]})
MATCH (b:Agency {id: row[1]})
MERGE (a)-[r:PARTNERS_WITH]->(b)
SET r += row[2]
RETURN count(r) AS written
