// count_graph.cypher — no parameters → name, count
// Node count per label and relationship count per type, each answered from the count store.
CYPHER replan=skip
MATCH (n:School)
RETURN 'School' AS name, count(n) AS count
UNION ALL
MATCH (n:Student)
RETURN 'Student' AS name, count(n) AS count
UNION ALL
MATCH (n:Family)
RETURN 'Family' AS name, count(n) AS count
UNION ALL
MATCH (n:Agency)
RETURN 'Agency' AS name, count(n) AS count
UNION ALL
MATCH (n:Service)
RETURN 'Service' AS name, count(n) AS count
UNION ALL
MATCH (n:Site)
RETURN 'Site' AS name, count(n) AS count
UNION ALL
MATCH (n:Staff)
RETURN 'Staff' AS name, count(n) AS count
UNION ALL
MATCH (n:NeedType)
RETURN 'NeedType' AS name, count(n) AS count
UNION ALL
MATCH (n:AreaCount)
RETURN 'AreaCount' AS name, count(n) AS count
UNION ALL
MATCH ()-[r:ENROLLED_IN]->()
RETURN 'ENROLLED_IN' AS name, count(r) AS count
UNION ALL
MATCH ()-[r:MEMBER_OF]->()
RETURN 'MEMBER_OF' AS name, count(r) AS count
UNION ALL
MATCH ()-[r:HAS_NEED]->()
RETURN 'HAS_NEED' AS name, count(r) AS count
UNION ALL
MATCH ()-[r:REFERRED_TO]->()
RETURN 'REFERRED_TO' AS name, count(r) AS count
UNION ALL
MATCH ()-[r:WORKS_AT]->()
RETURN 'WORKS_AT' AS name, count(r) AS count
UNION ALL
MATCH ()-[r:OFFERS]->()
RETURN 'OFFERS' AS name, count(r) AS count
UNION ALL
MATCH ()-[r:DELIVERED_AT]->()
RETURN 'DELIVERED_AT' AS name, count(r) AS count
UNION ALL
MATCH ()-[r:ADDRESSES]->()
RETURN 'ADDRESSES' AS name, count(r) AS count
UNION ALL
MATCH ()-[r:PARTNERS_WITH]->()
RETURN 'PARTNERS_WITH' AS name, count(r) AS count
UNION ALL
MATCH ()-[r:COLLABORATES_WITH]->()
RETURN 'COLLABORATES_WITH' AS name, count(r) AS count
