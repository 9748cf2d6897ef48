// schema_school_id.cypher — no parameters → no columns
// One School per id; the constraint's index makes every MERGE and lookup by id a seek.
CREATE CONSTRAINT school_id IF NOT EXISTS FOR (n:School) REQUIRE n.id IS UNIQUE
