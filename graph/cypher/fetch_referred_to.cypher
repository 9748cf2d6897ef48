// fetch_referred_to.cypher — no parameters → source, target, props
MATCH (a:Student)-[r:REFERRED_TO]->(b:Service)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
