// fetch_offers.cypher — no parameters → source, target, props
MATCH (a:Agency)-[r:OFFERS]->(b:Service)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
