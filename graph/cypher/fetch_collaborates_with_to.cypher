// fetch_collaborates_with_to.cypher — $targets (list of ids) → source, target, props
UNWIND $targets AS wanted
MATCH (a:Agency)-[r:COLLABORATES_WITH]->(b:Agency {id: wanted})
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
