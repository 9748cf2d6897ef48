// fetch_delivered_at_to.cypher — $targets (list of ids) → source, target, props
UNWIND $targets AS wanted
MATCH (a:Service)-[r:DELIVERED_AT]->(b:Site {id: wanted})
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
