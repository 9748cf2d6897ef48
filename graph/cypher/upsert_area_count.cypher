// upsert_area_count.cypher — $rows (list of {id, props}) → written
UNWIND $rows AS row
MERGE (n:AreaCount {id: row.id})
SET n += row.props
RETURN count(n) AS written
