// delete_nodes_batch.cypher — $batch_size → deleted
// Deletes up to $batch_size nodes, once their relationships are gone; run until it deletes none.
MATCH (n)
WITH n LIMIT $batch_size
DETACH DELETE n
RETURN count(*) AS deleted
