// upsert_agency.cypher — $rows (list of {id, props}) → written
UNWIND $rows AS row
MERGE (n:Agency {id: row.id})
SET n += row.props
RETURN count(n) AS written
