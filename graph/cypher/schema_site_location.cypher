// schema_site_location.cypher — no parameters → no columns
// The point index that answers find_sites_within.cypher.
CREATE POINT INDEX site_location IF NOT EXISTS FOR (n:Site) ON (n.location)
