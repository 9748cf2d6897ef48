// find_sites_within.cypher — $lat, $lon, $radius_m → site_id, lat, lon
// Candidates from the point index on Site.location. Neo4j measures on a sphere of 6,378,140 m, kith on
// 6,371,008.8 m, so the caller widens the radius and keeps the exact answers by kith's own haversine.
MATCH (s:Site)
WHERE point.distance(s.location, point({latitude: $lat, longitude: $lon})) <= $radius_m
RETURN s.id AS site_id, s.lat AS lat, s.lon AS lon
