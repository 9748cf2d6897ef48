// fetch_area_count.cypher — $where (map of property: value) → props
MATCH (n:AreaCount)
WHERE all(key IN keys($where) WHERE n[key] = $where[key] OR (n[key] IS NULL AND $where[key] IS NULL))
RETURN properties(n) AS props
ORDER BY n.id
