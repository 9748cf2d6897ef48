// fetch_referred_to_to.cypher — $targets (list of ids) → source, target, props
UNWIND $targets AS wanted
MATCH (a:Student)-[r:REFERRED_TO]->(b:Service {id: wanted})
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
