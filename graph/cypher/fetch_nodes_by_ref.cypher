// fetch_nodes_by_ref.cypher — $ids (map of label: list of ids, every label present) → label, props
// The nodes of several labels by id in one read: one branch per label, each an index seek on its id.
CALL () {
  UNWIND $ids['School'] AS wanted
  MATCH (n:School {id: wanted})
  RETURN 'School' AS label, properties(n) AS props
  UNION ALL
  UNWIND $ids['Student'] AS wanted
  MATCH (n:Student {id: wanted})
  RETURN 'Student' AS label, properties(n) AS props
  UNION ALL
  UNWIND $ids['Family'] AS wanted
  MATCH (n:Family {id: wanted})
  RETURN 'Family' AS label, properties(n) AS props
  UNION ALL
  UNWIND $ids['Agency'] AS wanted
  MATCH (n:Agency {id: wanted})
  RETURN 'Agency' AS label, properties(n) AS props
  UNION ALL
  UNWIND $ids['Service'] AS wanted
  MATCH (n:Service {id: wanted})
  RETURN 'Service' AS label, properties(n) AS props
  UNION ALL
  UNWIND $ids['Site'] AS wanted
  MATCH (n:Site {id: wanted})
  RETURN 'Site' AS label, properties(n) AS props
  UNION ALL
  UNWIND $ids['Staff'] AS wanted
  MATCH (n:Staff {id: wanted})
  RETURN 'Staff' AS label, properties(n) AS props
  UNION ALL
  UNWIND $ids['NeedType'] AS wanted
  MATCH (n:NeedType {id: wanted})
  RETURN 'NeedType' AS label, properties(n) AS props
  UNION ALL
  UNWIND $ids['AreaCount'] AS wanted
  MATCH (n:AreaCount {id: wanted})
  RETURN 'AreaCount' AS label, properties(n) AS props
}
RETURN label, props
