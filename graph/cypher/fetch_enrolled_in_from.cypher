// fetch_enrolled_in_from.cypher — $sources (list of ids), $targets (list of ids or null) → source, target, props
UNWIND $sources AS wanted
MATCH (a:Student {id: wanted})-[r:ENROLLED_IN]->(b:School)
WHERE $targets IS NULL OR b.id IN $targets
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
