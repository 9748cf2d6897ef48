// fetch_member_of.cypher — no parameters → source, target, props
MATCH (a:Student)-[r:MEMBER_OF]->(b:Family)
RETURN a.id AS source, b.id AS target, properties(r) AS props
ORDER BY source, target
