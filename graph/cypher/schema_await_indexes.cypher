// schema_await_indexes.cypher — $timeout_s → no columns
// Waits until every index is online, so the first questions already use them.
CALL db.awaitIndexes($timeout_s)
