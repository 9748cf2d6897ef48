// schema_site_id.cypher — no parameters → no columns
// One Site per id; the constraint's index makes every MERGE and lookup by id a seek.
CREATE CONSTRAINT site_id IF NOT EXISTS FOR (n:Site) REQUIRE n.id IS UNIQUE
