// mark_demo_city.cypher — $demo_city → no columns
// Marks the graph as the demo city `kith demo` built (on the store's one KithStore node); the next write unmarks it.
MERGE (m:KithStore {id: 'store'})
SET m.demo_city = $demo_city
