// schema_student_id.cypher — no parameters → no columns
// One Student per id; the constraint's index makes every MERGE and lookup by id a seek.
CREATE CONSTRAINT student_id IF NOT EXISTS FOR (n:Student) REQUIRE n.id IS UNIQUE
