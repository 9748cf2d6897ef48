// find_services_near.cypher — $lat, $lon, $radius_m, $limit, $needs (list of need codes or null) → site_id, lat, lon, site, service, agencies, needs
// The nearest $limit sites within the radius (by the point index) that deliver a service addressing one of
// $needs (any site when null), with every site as near as the last of
// them by Neo4j's distance give or take a billionth (the caller ranks them again by kith's haversine, whose
// sphere is smaller, and cuts at $limit), each joined to its services as fetch_services_at.cypher joins them:
// one row per service at a site, or one row with no service for a site that has none. One round trip.
MATCH (s:Site)
WHERE point.distance(s.location, point({latitude: $lat, longitude: $lon})) <= $radius_m
  AND ($needs IS NULL OR EXISTS { (s)<-[:DELIVERED_AT]-(:Service)-[:ADDRESSES]->(n:NeedType) WHERE n.id IN $needs })
WITH s, point.distance(s.location, point({latitude: $lat, longitude: $lon})) AS d
ORDER BY d
WITH collect({site: s, d: d}) AS found
WITH found, CASE WHEN size(found) > $limit THEN found[$limit - 1].d * (1 + 1e-9) END AS cut
UNWIND found AS near
WITH near.site AS s
WHERE cut IS NULL OR near.d <= cut
OPTIONAL MATCH (v:Service)-[:DELIVERED_AT]->(s)
OPTIONAL MATCH (a:Agency)-[:OFFERS]->(v)
WITH s, v, collect(properties(a)) AS agencies
OPTIONAL MATCH (v)-[:ADDRESSES]->(n:NeedType)
WITH s, v, agencies, collect(n.id) AS needs
RETURN s.id AS site_id, s.lat AS lat, s.lon AS lon, properties(s) AS site, properties(v) AS service, agencies, needs
