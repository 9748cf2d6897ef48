// find_shortest_paths_6.cypher — $source, $targets (element ids), $types (list of type names or null), $max_hops → nodes, steps
// As find_shortest_paths.cypher, with hop counts bounded by 6: the search stops there instead of going on to
// 16 hops before the longer paths are dropped (for a target out of reach, ten times the work on the district city).
MATCH (a) WHERE elementId(a) = $source
UNWIND $targets AS target
MATCH (b) WHERE elementId(b) = target
CALL (a, b) {
  MATCH p = ALL SHORTEST (a)-[r WHERE $types IS NULL OR type(r) IN $types]-{1,6}(b)
  RETURN p
}
WITH p WHERE length(p) <= $max_hops
RETURN [n IN nodes(p) | [labels(n)[0], n.id]] AS nodes,
       [rel IN relationships(p) | [type(rel), startNode(rel).id, properties(rel)]] AS steps
