// delete_relationships_batch.cypher — $batch_size → deleted
// Deletes up to $batch_size relationships; run until it deletes none (then the nodes, alone).
MATCH ()-[r]->()
WITH r LIMIT $batch_size
DELETE r
RETURN count(*) AS deleted
