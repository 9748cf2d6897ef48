// find_shortest_paths.cypher — $source, $targets (element ids), $types (list of type names or null), $max_hops → nodes, steps
// Every shortest path (by hop count) to each target, either direction, along the allowed types only.
// Hop counts are bounded by 16 here (a quantifier takes no parameter) and by $max_hops below; since
// ALL SHORTEST keeps only the paths of least length, dropping the longer ones is the same as not finding them.
// One search per target, from both ends: with both ends bound in the subquery the planner searches
// between the two (StatefulShortestPath Into); given a list of targets it searched from the source to
// every node it can reach, which took Neo4j 5.26 tens of seconds on the small city.
MATCH (a) WHERE elementId(a) = $source
UNWIND $targets AS target
MATCH (b) WHERE elementId(b) = target
CALL (a, b) {
  MATCH p = ALL SHORTEST (a)-[r WHERE $types IS NULL OR type(r) IN $types]-{1,16}(b)
  RETURN p
}
WITH p WHERE length(p) <= $max_hops
RETURN [n IN nodes(p) | [labels(n)[0], n.id]] AS nodes,
       [rel IN relationships(p) | [type(rel), startNode(rel).id, properties(rel)]] AS steps
