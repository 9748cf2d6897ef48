// fetch_works_at_from.cypher — $sources (list of ids), $targets (list of ids or null) → source, target, props
UNWIND $sources AS wanted
MATCH (a:Staff {id: wanted})-[r:WORKS_AT]->(b:School)
WHERE $targets IS NULL OR b.id IN $targets
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
