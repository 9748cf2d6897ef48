// fetch_store_marks.cypher — no parameters → demo_city, revision
// The store's marks: the demo city's size if the graph is the demo city as built, and the revision.
MATCH (m:KithStore {id: 'store'})
RETURN m.demo_city AS demo_city, m.revision AS revision
