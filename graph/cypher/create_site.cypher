// create_site.cypher — $rows (list of the nodes' properties, id among them) → written
// Only for a label that held no node when this store began writing it, each id at most once: kith's
// Neo4j store sends its rows here then, and to upsert_site.cypher otherwise. Should a node of an id
// be there after all (another writer), the id's constraint fails the batch, which then goes by MERGE.
// Also sets location, the point the point index searches, from the site's lat/lon (none without them).
CYPHER replan=skip
UNWIND $rows AS row
CREATE (n:Site {id: row.id})
SET n += row
SET n.location = CASE
    WHEN n.lat IS NULL OR n.lon IS NULL THEN null
    ELSE point({latitude: n.lat, longitude: n.lon})
  END
RETURN count(n) AS written
