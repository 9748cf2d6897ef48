// create_enrolled_in.cypher — $rows (list of [source id, target id]; the type has no properties) → written
// Only for a type that held nothing when this store began writing it, each (source, target) at most once:
// kith's Neo4j store sends its rows here then, and to upsert_enrolled_in.cypher otherwise. Rows whose
// endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Student {id: row[0]})
MATCH (b:School {id: row[1]})
CREATE (a)-[r:ENROLLED_IN]->(b)
RETURN count(r) AS written
