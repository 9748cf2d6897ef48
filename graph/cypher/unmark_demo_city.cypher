// unmark_demo_city.cypher — no parameters → no columns
// Before a write: the graph is no longer the demo city as built.
MATCH (m:KithStore {id: 'store'})
REMOVE m.demo_city
