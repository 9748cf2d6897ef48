// find_shortest_paths_unbounded.cypher — $source, $targets (element ids), $types (list of type names or null), $max_hops → nodes, steps
// As find_shortest_paths.cypher, for hop limits above its bound of 16.
MATCH (a) WHERE elementId(a) = $source
UNWIND $targets AS target
MATCH (b) WHERE elementId(b) = target
CALL (a, b) {
  MATCH p = ALL SHORTEST (a)-[r WHERE $types IS NULL OR type(r) IN $types]-+(b)
  RETURN p
}
WITH p WHERE length(p) <= $max_hops
RETURN [n IN nodes(p) | [labels(n)[0], n.id]] AS nodes,
       [rel IN relationships(p) | [type(rel), startNode(rel).id, properties(rel)]] AS steps
