// find_shortest_paths_6.cypher — $source (map of label: list of ids, the source's one id under its label), $targets (map of label: list of ids), every label present in both; $types (list of type names or null), $max_hops → paths
// As find_shortest_paths.cypher, with hop counts bounded by 6: the search stops there instead of going on to
// 16 hops before the longer paths are dropped (for a target out of reach, ten times the work on the district city).
CALL () {
  UNWIND $source['School'] AS wanted
  MATCH (n:School {id: wanted})
  RETURN n
  UNION ALL
  UNWIND $source['Student'] AS wanted
  MATCH (n:Student {id: wanted})
  RETURN n
  UNION ALL
  UNWIND $source['Family'] AS wanted
  MATCH (n:Family {id: wanted})
  RETURN n
  UNION ALL
  UNWIND $source['Agency'] AS wanted
  MATCH (n:Agency {id: wanted})
  RETURN n
  UNION ALL
  UNWIND $source['Service'] AS wanted
  MATCH (n:Service {id: wanted})
  RETURN n
  UNION ALL
  UNWIND $source['Site'] AS wanted
  MATCH (n:Site {id: wanted})
  RETURN n
  UNION ALL
  UNWIND $source['Staff'] AS wanted
  MATCH (n:Staff {id: wanted})
  RETURN n
  UNION ALL
  UNWIND $source['NeedType'] AS wanted
  MATCH (n:NeedType {id: wanted})
  RETURN n
  UNION ALL
  UNWIND $source['AreaCount'] AS wanted
  MATCH (n:AreaCount {id: wanted})
  RETURN n
}
WITH n AS a
CALL (a) {
  CALL () {
    UNWIND $targets['School'] AS wanted
    MATCH (n:School {id: wanted})
    RETURN n
    UNION ALL
    UNWIND $targets['Student'] AS wanted
    MATCH (n:Student {id: wanted})
    RETURN n
    UNION ALL
    UNWIND $targets['Family'] AS wanted
    MATCH (n:Family {id: wanted})
    RETURN n
    UNION ALL
    UNWIND $targets['Agency'] AS wanted
    MATCH (n:Agency {id: wanted})
    RETURN n
    UNION ALL
    UNWIND $targets['Service'] AS wanted
    MATCH (n:Service {id: wanted})
    RETURN n
    UNION ALL
    UNWIND $targets['Site'] AS wanted
    MATCH (n:Site {id: wanted})
    RETURN n
    UNION ALL
    UNWIND $targets['Staff'] AS wanted
    MATCH (n:Staff {id: wanted})
    RETURN n
    UNION ALL
    UNWIND $targets['NeedType'] AS wanted
    MATCH (n:NeedType {id: wanted})
    RETURN n
    UNION ALL
    UNWIND $targets['AreaCount'] AS wanted
    MATCH (n:AreaCount {id: wanted})
    RETURN n
  }
  WITH a, n AS b
  WHERE b <> a
  CALL (a, b) {
    MATCH p = ALL SHORTEST (a)-[r WHERE $types IS NULL OR type(r) IN $types]-{1,6}(b)
    RETURN p
  }
  WITH p WHERE length(p) <= $max_hops
  RETURN collect({
    nodes: [x IN nodes(p) | [labels(x)[0], x.id]],
    steps: [rel IN relationships(p) | [type(rel), startNode(rel).id, properties(rel)]]
  }) AS paths
}
RETURN paths
