// delete_graph_batch.cypher — $batch_size → deleted
// Deletes up to $batch_size nodes with their relationships; run until it deletes none.
MATCH (n)
WITH n LIMIT $batch_size
DETACH DELETE n
RETURN count(*) AS deleted
