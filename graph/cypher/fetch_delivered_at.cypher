// fetch_delivered_at.cypher — no parameters → source, target, props
MATCH (a:Service)-[r:DELIVERED_AT]->(b:Site)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
