// create_has_need.cypher — $rows (list of {source, target, props}) → written
// Only for a type that held nothing when this store began writing it, each (source, target) at most once:
// kith's Neo4j store sends its rows here then, and to upsert_has_need.cypher otherwise. Rows whose
// endpoints are missing match nothing and are not written.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Student {id: row.source})
MATCH (b:NeedType {id: row.target})
CREATE (a)-[r:HAS_NEED]->(b)
SET r += row.props
RETURN count(r) AS written
