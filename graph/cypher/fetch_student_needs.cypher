// fetch_student_needs.cypher — $needs (list of need codes, or null for every need) → school, cell, needs
// The students with any of $needs, in id order and without their ids, as three columns of one row (a driver
// decodes one row of long lists many times faster than a row per student): school, the greatest id of the
// schools a student is enrolled in; cell, the home cell of the student's family of greatest id; '' for either
// when there is none (no id and no H3 cell is empty); needs, the student's codes among $needs.
MATCH (n:NeedType)
WHERE $needs IS NULL OR n.id IN $needs
MATCH (n)<-[:HAS_NEED]-(s:Student)
WITH s, collect(n.id) AS needs
ORDER BY s.id
WITH
  needs,
  COLLECT { MATCH (s)-[:ENROLLED_IN]->(c:School) RETURN c.id AS id ORDER BY id DESC LIMIT 1 } AS school,
  COLLECT {
    MATCH (s)-[:MEMBER_OF]->(f:Family)
    RETURN coalesce(f.home_cell, '') AS cell
    ORDER BY f.id DESC
    LIMIT 1
  } AS cell
RETURN collect(coalesce(school[0], '')) AS school, collect(coalesce(cell[0], '')) AS cell, collect(needs) AS needs
