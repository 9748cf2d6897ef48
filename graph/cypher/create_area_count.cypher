// create_area_count.cypher — $rows (list of the nodes' properties, id among them) → written
// Only for a label that held no node when this store began writing it, each id at most once: kith's
// Neo4j store sends its rows here then, and to upsert_area_count.cypher otherwise. Should a node of an id
// be there after all (another writer), the id's constraint fails the batch, which then goes by MERGE.
CYPHER replan=skip
UNWIND $rows AS row
CREATE (n:AreaCount {id: row.id})
SET n += row
RETURN count(n) AS written
