// schema_need_type_id.cypher — no parameters → no columns
// One NeedType per id; the constraint's index makes every MERGE and lookup by id a seek.
CREATE CONSTRAINT need_type_id IF NOT EXISTS FOR (n:NeedType) REQUIRE n.id IS UNIQUE
