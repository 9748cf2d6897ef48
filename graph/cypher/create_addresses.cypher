// create_addresses.cypher — $rows (list of [source id, target id]; the type has no properties) → written
// Only for a type that held nothing when this store began writing it, each (source, target) at most once:
// kith's Neo4j store sends its rows here then, and to upsert_addresses.cypher otherwise. Rows whose
// endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Service {id: row[0]})
MATCH (b:NeedType {id: row[1]})
CREATE (a)-[r:ADDRESSES]->(b)
RETURN count(r) AS written
