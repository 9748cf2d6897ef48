// fetch_has_need.cypher — no parameters → source, target, props
MATCH (a:Student)-[r:HAS_NEED]->(b:NeedType)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
