// fetch_addresses.cypher — no parameters → source, target, props
MATCH (a:Service)-[r:ADDRESSES]->(b:NeedType)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
