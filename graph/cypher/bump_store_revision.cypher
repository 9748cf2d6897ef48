// bump_store_revision.cypher — no parameters → no columns
// After a store's writes: a new revision, so that a running dashboard reads the graph again.
MERGE (m:KithStore {id: 'store'})
SET m.revision = coalesce(m.revision, 0) + 1
