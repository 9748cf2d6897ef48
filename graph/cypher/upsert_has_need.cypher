// upsert_has_need.cypher — $rows (list of [source id, target id, props]) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Student {id: row[0]})
MATCH (b:NeedType {id: row[1]})
MERGE (a)-[r:HAS_NEED]->(b)
SET r += row[2]
RETURN count(r) AS written
