// upsert_partners_with.cypher — $rows (list of {source, target, props}) → written
// Rows whose endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:School {id: row.source})
MATCH (b:Agency {id: row.target})
MERGE (a)-[r:PARTNERS_WITH]->(b)
SET r += row.props
RETURN count(r) AS written
