// fetch_services_at.cypher — $site_ids (list of ids) → site, service, agencies, needs
// One row per service delivered at one of the sites, with every agency offering it and the codes of the
// needs it addresses; the caller keeps the first agency by id and orders the rows as the port promises.
UNWIND $site_ids AS wanted
MATCH (v:Service)-[:DELIVERED_AT]->(s:Site {id: wanted})
OPTIONAL MATCH (a:Agency)-[:OFFERS]->(v)
WITH s, v, collect(properties(a)) AS agencies
OPTIONAL MATCH (v)-[:ADDRESSES]->(n:NeedType)
WITH s, v, agencies, collect(n.id) AS needs
RETURN properties(s) AS site, properties(v) AS service, agencies, needs
