// schema_service_id.cypher — no parameters → no columns
// One Service per id; the constraint's index makes every MERGE and lookup by id a seek.
CREATE CONSTRAINT service_id IF NOT EXISTS FOR (n:Service) REQUIRE n.id IS UNIQUE
