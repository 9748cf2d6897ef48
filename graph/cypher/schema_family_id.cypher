// schema_family_id.cypher — no parameters → no columns
// One Family per id; the constraint's index makes every MERGE and lookup by id a seek.
CREATE CONSTRAINT family_id IF NOT EXISTS FOR (n:Family) REQUIRE n.id IS UNIQUE
