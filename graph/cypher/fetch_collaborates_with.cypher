// fetch_collaborates_with.cypher — no parameters → source, target, props
MATCH (a:Agency)-[r:COLLABORATES_WITH]->(b:Agency)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
