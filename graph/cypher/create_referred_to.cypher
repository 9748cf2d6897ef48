// create_referred_to.cypher — $rows (list of [source id, target id, props]) → written
// Only for a type that held nothing when this store began writing it, each (source, target) at most once:
// kith's Neo4j store sends its rows here then, and to upsert_referred_to.cypher otherwise. Rows whose
// endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Student {id: row[0]})
MATCH (b:Service {id: row[1]})
CREATE (a)-[r:REFERRED_TO]->(b)
SET r += row[2]
RETURN count(r) AS written
