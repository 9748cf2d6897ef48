// schema_staff_id.cypher — no parameters → no columns
// One Staff per id; the constraint's index makes every MERGE and lookup by id a seek.
CREATE CONSTRAINT staff_id IF NOT EXISTS FOR (n:Staff) REQUIRE n.id IS UNIQUE
