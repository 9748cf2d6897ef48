// schema_agency_id.cypher — no parameters → no columns
// One Agency per id; the constraint's index makes every MERGE and lookup by id a seek.
CREATE CONSTRAINT agency_id IF NOT EXISTS FOR (n:Agency) REQUIRE n.id IS UNIQUE
