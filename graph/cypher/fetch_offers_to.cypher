// fetch_offers_to.cypher — $targets (list of ids) → source, target, props
UNWIND $targets AS wanted
MATCH (a:Agency)-[r:OFFERS]->(b:Service {id: wanted})
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
