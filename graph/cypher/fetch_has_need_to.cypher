// fetch_has_need_to.cypher — $targets (list of ids) → source, target, props
UNWIND $targets AS wanted
MATCH (a:Student)-[r:HAS_NEED]->(b:NeedType {id: wanted})
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
