// upsert_site.cypher — $rows (list of {id, props}) → written
// Sets location, the point the point index searches, from the node's lat/lon (removed when they are absent).
UNWIND $rows AS row
MERGE (n:Site {id: row.id})
SET n += row.props
SET n.location = point({latitude: n.lat, longitude: n.lon})
RETURN count(n) AS written
