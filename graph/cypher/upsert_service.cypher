// upsert_service.cypher — $rows (list of the nodes' properties, id among them) → written
// The same SET on create and on match: inside MERGE it needs no Eager (a plain SET after MERGE does).
CYPHER replan=skip
UNWIND $rows AS row
MERGE (n:Service {id: row.id})
ON CREATE SET n += row
ON MATCH SET n += row
RETURN count(n) AS written
