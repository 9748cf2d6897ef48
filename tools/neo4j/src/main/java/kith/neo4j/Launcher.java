package kith.neo4j;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;

/**
 * Neo4j Community, in this process, speaking Bolt on 127.0.0.1 for kith.
 *
 * <pre>KITH_NEO4J_PASSWORD=... java -cp 'target/classes:lib/*' kith.neo4j.Launcher DATA_DIR PORT</pre>
 *
 * Bolt only (no HTTP), no usage reports, a small page cache, auth on: the password of the user
 * neo4j is set to KITH_NEO4J_PASSWORD at every start. Once the default database answers a query
 * and Bolt answers a handshake on the port, prints one line, KITH_NEO4J_URI=bolt://127.0.0.1:PORT,
 * to stdout; everything else goes to DATA_DIR/logs. SIGTERM (or Ctrl-C) shuts the engine down
 * cleanly, and so does the end of the process that started it (killed, even by SIGKILL): an engine
 * is never left running without its parent.
 */
public final class Launcher {
    private static final int BOLT_MAGIC = 0x6060B017;

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            fail("usage: Launcher DATA_DIR PORT (password in KITH_NEO4J_PASSWORD)");
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        String password = System.getenv("KITH_NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            fail("KITH_NEO4J_PASSWORD must be set to at least 8 characters");
        }
        Files.createDirectories(home);
        watchParent();

        Map<String, String> config = new LinkedHashMap<>();
        config.put("server.bolt.enabled", "true");
        config.put("server.bolt.listen_address", "127.0.0.1:" + port);
        config.put("server.bolt.advertised_address", "127.0.0.1:" + port);
        config.put("server.http.enabled", "false");
        config.put("server.https.enabled", "false");
        config.put("dbms.usage_report.enabled", "false");
        config.put("dbms.security.auth_enabled", "true");
        config.put("server.memory.pagecache.size", env("KITH_NEO4J_PAGECACHE", "128m"));
        config.put("db.tx_log.rotation.retention_policy", "2 files");
        config.put("server.logs.debug.enabled", "true");

        Path conf = home.resolve("kith-neo4j.conf");
        StringBuilder lines = new StringBuilder("# written by kith's launcher at every start\n");
        config.forEach((key, value) -> lines.append(key).append('=').append(value).append('\n'));
        Files.writeString(conf, lines);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }, "kith-neo4j-shutdown"));

        setPassword(dbms.database("system"), password);
        dbms.database("neo4j").executeTransactionally("RETURN 1");
        awaitBolt(port);
        System.out.println("KITH_NEO4J_URI=bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }

    /**
     * Shuts the engine down (through the shutdown hook) once the process that started it is gone:
     * the launcher is then given another parent, so it checks its parent's pid twice a second. A
     * launcher started under init (daemonised on purpose) has no parent to outlive and is left alone.
     */
    private static void watchParent() {
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
        if (parent <= 1) {
            return;
        }
        Thread watcher = new Thread(() -> {
            while (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L) == parent) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.err.println("kith neo4j: the process that started the engine (pid " + parent + ") is gone: stopping");
            System.exit(0);
        }, "kith-neo4j-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Sets the password of the user neo4j (kept as it is when it already is that password). */
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PLAINTEXT PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (QueryExecutionException e) {
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
        }
    }

    /** Waits until the port answers a Bolt handshake with a version it speaks. */
    private static void awaitBolt(int port) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                socket.setSoTimeout(5000);
                OutputStream out = socket.getOutputStream();
                byte[] handshake = new byte[20];
                putInt(handshake, 0, BOLT_MAGIC);
                putInt(handshake, 4, 0x00000805); // 5.8 and below
                putInt(handshake, 8, 0x00000004); // 4.4 and below
                out.write(handshake);
                out.flush();
                int agreed = new DataInputStream(socket.getInputStream()).readInt();
                if (agreed != 0) {
                    return;
                }
                fail("Bolt on port " + port + " speaks none of the versions asked for");
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        fail("Bolt did not answer on 127.0.0.1:" + port + ": " + last);
    }

    private static void putInt(byte[] buffer, int at, int value) {
        buffer[at] = (byte) (value >>> 24);
        buffer[at + 1] = (byte) (value >>> 16);
        buffer[at + 2] = (byte) (value >>> 8);
        buffer[at + 3] = (byte) value;
    }

    private static String env(String name, String otherwise) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? otherwise : value;
    }

    private static void fail(String message) {
        System.err.println("kith neo4j: " + message);
        System.exit(2);
    }
}
