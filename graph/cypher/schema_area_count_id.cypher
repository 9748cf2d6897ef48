// schema_area_count_id.cypher — no parameters → no columns
// One AreaCount per id; the constraint's index makes every MERGE and lookup by id a seek.
CREATE CONSTRAINT area_count_id IF NOT EXISTS FOR (n:AreaCount) REQUIRE n.id IS UNIQUE
