// upsert_need_type.cypher — $rows (list of {id, props}) → written
UNWIND $rows AS row
MERGE (n:NeedType {id: row.id})
SET n += row.props
RETURN count(n) AS written
