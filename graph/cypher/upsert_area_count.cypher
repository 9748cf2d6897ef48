// upsert_area_count.cypher — $rows (list of {id, props}) → written
// The same SET on create and on match: inside MERGE it needs no Eager (a plain SET after MERGE does).
CYPHER replan=skip
UNWIND $rows AS row
MERGE (n:AreaCount {id: row.id})
ON CREATE SET n += row.props
ON MATCH SET n += row.props
RETURN count(n) AS written
