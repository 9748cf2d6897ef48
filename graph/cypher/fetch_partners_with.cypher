// fetch_partners_with.cypher — no parameters → source, target, props
MATCH (a:School)-[r:PARTNERS_WITH]->(b:Agency)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
