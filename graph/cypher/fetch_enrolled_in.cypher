// fetch_enrolled_in.cypher — no parameters → source, target, props
MATCH (a:Student)-[r:ENROLLED_IN]->(b:School)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
