// upsert_collaborates_with.cypher — $rows (list of [source id, target id, props]) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Agency {id: row[0]})
MATCH (b:Agency {id: row[1]})
MERGE (a)-[r:COLLABORATES_WITH]->(b)
SET r += row[2]
RETURN count(r) AS written
