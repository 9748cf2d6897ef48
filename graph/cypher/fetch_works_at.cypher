// fetch_works_at.cypher — no parameters → source, target, props
MATCH (a:Staff)-[r:WORKS_AT]->(b:School)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
