// fetch_area_count_by_id.cypher — $ids (list of ids), $where (map of property: value) → element_id, props
UNWIND $ids AS wanted
MATCH (n:AreaCount {id: wanted})
WHERE all(key IN keys($where) WHERE n[key] = $where[key] OR (n[key] IS NULL AND $where[key] IS NULL))
RETURN elementId(n) AS element_id, properties(n) AS props
ORDER BY n.id
