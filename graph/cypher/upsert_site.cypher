// upsert_site.cypher — $rows (list of the nodes' properties, id among them) → written
// The same SET on create and on match: inside MERGE it needs no Eager (a plain SET after MERGE does).
// Also sets location, the point the point index searches, from the site's lat/lon (none without them).
CYPHER replan=skip
UNWIND $rows AS row
MERGE (n:Site {id: row.id})
ON CREATE SET n += row
ON MATCH SET n += row
SET n.location = CASE
    WHEN n.lat IS NULL OR n.lon IS NULL THEN null
    ELSE point({latitude: n.lat, longitude: n.lon})
  END
RETURN count(n) AS written
