package io.strata.platform.postgres;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.StringPreparation;
import com.ongres.scram.common.exception.ScramException;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobCancellation;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A physical replication session with a source, spoken by the worker itself (PostgreSQL's frontend/backend
 * protocol 3.0 with {@code replication=true}): what a BASE_BACKUP needs, without a {@code pg_basebackup}
 * process between the server and the worker.
 *
 * <p>TLS as libpq's {@code sslmode}: {@code disable} never asks for it; {@code allow} and {@code prefer}
 * use it when the server offers it, without checking its certificate; {@code require} insists on it and
 * checks the certificate against the source's CA only when one is registered (as libpq does with a root
 * certificate); {@code verify-ca} checks the chain against the source's CA, {@code verify-full} the host
 * name too. Then logs in with the source's registered user and password: trust, password, MD5 or
 * SCRAM-SHA-256 (the ongres SCRAM client, as pgjdbc uses; without channel binding). The host is checked
 * against the allowed networks first; the connect deadline bounds the TCP connect, the TLS handshake and
 * the login. Only the simple query protocol is used, with commands the caller composes from constants.
 */
public final class ReplicationConnection implements Closeable {
    private static final int PROTOCOL_3_0 = 196608;
    private static final int SSL_REQUEST = 80877103;
    private static final int BUFFER_BYTES = 256 * 1024;
    private static final String SCRAM = "SCRAM-SHA-256";
    /** The largest message held in memory whole: errors, notices, parameters, authentication, names. */
    public static final int MAX_HELD_MESSAGE = 1 << 20;
    /** PostgreSQL's default is 4096; a server asking far more would keep a core busy for minutes. */
    private static final int MAX_SCRAM_ITERATIONS = 10_000_000;

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReplicationConnection.class);

    private final Socket socket;
    /** The TCP socket under TLS (or the socket itself): what another thread closes, without a TLS goodbye. */
    private final Socket plain;

    private final String host;
    private final int port;
    private final DataInputStream in;
    private final DataOutputStream out;
    private String serverVersion = "";
    private ScramClient scram;
    private boolean authenticated;
    private boolean scramVerified;
    private int length;

    private ReplicationConnection(Socket socket, Socket plain, String host, int port) throws IOException {
        this.socket = socket;
        this.plain = plain;
        this.host = host;
        this.port = port;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER_BYTES));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 8192));
    }

    /**
     * A logged-in replication session.
     *
     * @throws ServerError when the server refuses the login (its own words)
     * @throws javax.net.ssl.SSLException when TLS fails (a certificate the CA did not sign, another host name)
     * @throws IOException when the server cannot be reached, insists on or refuses TLS against the source's
     *     {@code sslMode}, or the login takes longer than the deadline
     */
    public static ReplicationConnection open(SourceConnection source, SourceNetworks networks, String applicationName)
            throws IOException {
        networks.requireAllowed(source.host());
        String mode = source.tlsOrDefault().modeOrDefault();
        int deadlineMillis = source.timeoutsOrDefault().connect() * 1000;
        Socket plain = new Socket();
        AtomicBoolean expired = new AtomicBoolean();
        Thread deadline = null;
        // a cancel of the job logging in closes the socket: a connect or a read does not end on an interrupt
        AutoCloseable watched = JobCancellation.closeOnCancel(plain);
        try {
            plain.setTcpNoDelay(true);
            plain.setKeepAlive(true);
            plain.connect(new InetSocketAddress(source.host(), source.port()), deadlineMillis);
            plain.setSoTimeout(deadlineMillis);
            // each read has the deadline; the whole handshake and login too (a server may answer byte by byte)
            deadline = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(deadlineMillis);
                    expired.set(true);
                    plain.close();
                } catch (InterruptedException | IOException e) {
                    // logged in in time, or already closed
                }
            });
            Socket socket = plain;
            ReplicationConnection connection = new ReplicationConnection(socket, plain, source.host(), source.port());
            if (!mode.equals("disable")) {
                if (connection.serverOffersTls()) {
                    socket = SourceTlsSockets.wrap(plain, source);
                    connection = new ReplicationConnection(socket, plain, source.host(), source.port());
                } else if (!mode.equals("allow") && !mode.equals("prefer")) {
                    throw new ConfigurationError(
                            "the server does not accept TLS connections, but the source's sslMode is " + mode);
                }
            }
            connection.login(source, applicationName);
            deadline.interrupt();
            deadline.join();
            if (expired.get()) {
                throw new SocketTimeoutException("logging in took longer than " + deadlineMillis / 1000 + " s");
            }
            socket.setSoTimeout(0); // from here the caller's stall watchdog bounds silences
            return connection;
        } catch (IOException | RuntimeException e) {
            closeQuietly(plain, e);
            if (expired.get() && !(e instanceof SocketTimeoutException)) {
                throw new SocketTimeoutException("logging in took longer than " + deadlineMillis / 1000 + " s");
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(plain, e);
            throw new java.io.InterruptedIOException("interrupted while logging in");
        } finally {
            if (deadline != null) {
                deadline.interrupt();
            }
            try {
                watched.close(); // the caller watches the logged-in session itself
            } catch (Exception ignored) {
                // removing it from a set does not fail
            }
        }
    }

    private static void closeQuietly(Socket socket, Exception cause) {
        try {
            socket.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /** The server's {@code server_version}, as it reported it at login. */
    public String serverVersion() {
        return serverVersion;
    }

    /** Sends {@code command} as a simple query. */
    public void query(String command) throws IOException {
        byte[] text = cString(command);
        out.writeByte('Q');
        out.writeInt(4 + text.length);
        out.write(text);
        out.flush();
    }

    /**
     * Runs {@code command}, a replication command whose answer is small (IDENTIFY_SYSTEM,
     * READ_REPLICATION_SLOT), and returns its rows: each column's text, null for NULL. Each read waits at most
     * {@code timeoutSeconds} (a {@link SocketTimeoutException} then). An error is thrown as {@link ServerError};
     * the session should then be closed.
     */
    public List<List<String>> rows(String command, int timeoutSeconds) throws IOException {
        socket.setSoTimeout(Math.max(1, timeoutSeconds) * 1000);
        try {
            return rows(command);
        } finally {
            socket.setSoTimeout(0); // the caller's stall watchdog bounds what follows
        }
    }

    private List<List<String>> rows(String command) throws IOException {
        query(command);
        List<List<String>> rows = new ArrayList<>();
        while (true) {
            int type = next();
            switch (type) {
                case 'D' -> rows.add(dataRow(payload()));
                case 'T', 'C', 'I' -> skip(length);
                case 'Z' -> {
                    skip(length);
                    return rows;
                }
                default ->
                    throw new IOException("unexpected message '" + (char) type + "' in the answer to " + command);
            }
        }
    }

    /** A DataRow message's columns as text, null for NULL. */
    public static List<String> dataRow(byte[] payload) throws IOException {
        DataInputStream row = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        int columns = row.readUnsignedShort();
        List<String> values = new ArrayList<>(columns);
        for (int i = 0; i < columns; i++) {
            int length = row.readInt();
            values.add(length < 0 ? null : new String(row.readNBytes(length), StandardCharsets.UTF_8));
        }
        return java.util.Collections.unmodifiableList(values);
    }

    /**
     * Reads the next message's type and length: its payload ({@link #length()} bytes) is next on
     * {@link #in()}. Notices (a base backup's checksum warnings) are logged, parameter reports kept; an error
     * is thrown as {@link ServerError}.
     */
    public int next() throws IOException {
        while (true) {
            int type = in.read();
            if (type < 0) {
                throw new EOFException("the server closed the connection");
            }
            length = in.readInt() - 4;
            if (length < 0) {
                throw new IOException(
                        "malformed message from the server (type '" + (char) type + "', length " + (length + 4) + ")");
            }
            switch (type) {
                case 'E' -> throw ServerError.parse(payload());
                case 'N' -> notice(ServerError.parse(payload()));
                case 'S' -> parameter(payload());
                default -> {
                    return type;
                }
            }
        }
    }

    /**
     * A server's WARNING (a base backup's checksum failures) is logged as one; a NOTICE, such as the one every
     * base backup of a server without archive_mode gets (Strata archives through its slot), is information.
     */
    private void notice(ServerError notice) {
        if ("WARNING".equals(notice.severity())) {
            log.warn("{}:{} says: {}", host, port, notice.getMessage());
        } else {
            log.info("{}:{} says: {}", host, port, notice.getMessage());
        }
    }

    /** The payload length of the message {@link #next()} returned. */
    public int length() {
        return length;
    }

    public DataInputStream in() {
        return in;
    }

    /** The rest of the current message (at most {@link #MAX_HELD_MESSAGE} bytes: a server cannot make it hold more). */
    public byte[] payload() throws IOException {
        return bytes(length);
    }

    /** The next {@code count} bytes of the current message, which must be at most {@link #MAX_HELD_MESSAGE}. */
    public byte[] bytes(int count) throws IOException {
        if (count < 0 || count > MAX_HELD_MESSAGE) {
            throw new IOException("the server sent a message of " + count + " bytes where 0 to " + MAX_HELD_MESSAGE
                    + " are expected");
        }
        byte[] bytes = new byte[count];
        in.readFully(bytes);
        return bytes;
    }

    public void skip(int bytes) throws IOException {
        in.skipNBytes(bytes);
    }

    /** Closes the socket; a read blocked on it in another thread ends with an exception. */
    @Override
    public void close() throws IOException {
        plain.close();
    }

    private boolean serverOffersTls() throws IOException {
        out.writeInt(8);
        out.writeInt(SSL_REQUEST);
        out.flush();
        int answer = in.read();
        if (answer == 'S') {
            if (in.available() > 0) { // bytes before the handshake were not sent by the server (CVE-2021-23222)
                throw new IOException("unencrypted data followed the server's consent to TLS; refused");
            }
            return true;
        }
        if (answer == 'N') {
            return false;
        }
        throw new IOException(
                answer < 0
                        ? "the server closed the connection when asked for TLS"
                        : "the server answered a TLS request with " + (answer == 'E' ? "an error" : "byte " + answer)
                                + " (not a PostgreSQL 15 server?)");
    }

    private void login(SourceConnection source, String applicationName) throws IOException {
        ByteArrayOutputStream startup = new ByteArrayOutputStream();
        DataOutputStream body = new DataOutputStream(startup);
        body.writeInt(PROTOCOL_3_0);
        for (String s :
                List.of("user", source.username(), "replication", "true", "application_name", applicationName)) {
            if (s.indexOf('\0') >= 0) { // would end the value early and begin another startup parameter
                throw new ConfigurationError("a login value holds NUL: " + s.replace('\0', '?'));
            }
            body.write(cString(s));
        }
        body.writeByte(0);
        out.writeInt(4 + startup.size());
        startup.writeTo(out);
        out.flush();
        while (true) {
            int type = next();
            if (type == 'R') {
                if (length < 4) {
                    throw new IOException("malformed authentication request from the server");
                }
                int code = in.readInt();
                byte[] data = bytes(length - 4);
                authenticate(code, data, source);
            } else if (type == 'Z') {
                skip(length);
                if (!authenticated || (scram != null && !scramVerified)) {
                    throw new IOException("the server declared the session ready before the login ended"
                            + (scram != null ? " (it never proved it knows the password)" : ""));
                }
                return;
            } else {
                skip(length); // BackendKeyData: a cancel would close the socket instead
            }
        }
    }

    /** Answers one authentication request. */
    private void authenticate(int code, byte[] data, SourceConnection source) throws IOException {
        switch (code) {
            case 0 -> {
                if (scram != null && !scramVerified) {
                    throw new IOException("the server accepted the login without proving it knows the password");
                }
                authenticated = true;
            }
            case 3 -> sendPassword(cString(requirePassword(source)));
            case 5 -> sendPassword(cString(md5(requirePassword(source), source.username(), data)));
            case 10 -> {
                List<String> mechanisms = cStrings(data);
                if (!mechanisms.contains(SCRAM)) {
                    throw new ConfigurationError("the server offers SASL mechanisms " + mechanisms + ", not " + SCRAM);
                }
                ScramClient client = ScramClient.builder()
                        .advertisedMechanisms(List.of(SCRAM)) // without channel binding (SCRAM-SHA-256-PLUS)
                        .username("*") // the server takes the startup packet's user
                        .password(requirePassword(source).toCharArray())
                        .stringPreparation(StringPreparation.POSTGRESQL_PREPARATION) // as the server prepares it
                        .build();
                byte[] first = client.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8);
                byte[] name = cString(SCRAM);
                out.writeByte('p');
                out.writeInt(4 + name.length + 4 + first.length);
                out.write(name);
                out.writeInt(first.length);
                out.write(first);
                out.flush();
                scram = client;
            }
            case 11 -> {
                byte[] last;
                try {
                    int iterations = requireScram(scram)
                            .serverFirstMessage(new String(data, StandardCharsets.UTF_8))
                            .getIterationCount();
                    if (iterations > MAX_SCRAM_ITERATIONS) {
                        throw new IOException("the server asks for " + iterations + " SCRAM iterations, more than "
                                + MAX_SCRAM_ITERATIONS);
                    }
                    last = scram.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8);
                } catch (ScramException e) {
                    throw new IOException("the server's SCRAM message does not parse: " + e.getMessage(), e);
                } catch (RuntimeException e) {
                    // the client's own message may quote the password (a character it would not prepare)
                    throw new ConfigurationError("the SCRAM exchange failed on the client's side ("
                            + e.getClass().getSimpleName() + ")");
                }
                out.writeByte('p');
                out.writeInt(4 + last.length);
                out.write(last);
                out.flush();
            }
            case 12 -> {
                try {
                    requireScram(scram).serverFinalMessage(new String(data, StandardCharsets.UTF_8));
                    scramVerified = true;
                } catch (ScramException e) {
                    throw new IOException(
                            "the server did not prove it knows the password (SCRAM): " + e.getMessage(), e);
                }
            }
            default ->
                throw new ConfigurationError("the server asks for authentication method " + code
                        + " (Kerberos, GSSAPI or SSPI), which the built-in replication client does not speak; set"
                        + " strata.backup.base-backup-client=pg_basebackup");
        }
    }

    private static ScramClient requireScram(ScramClient scram) throws IOException {
        if (scram == null) {
            throw new IOException("the server continued a SCRAM exchange that was never begun");
        }
        return scram;
    }

    private static String requirePassword(SourceConnection source) throws ServerError {
        if (source.password() == null) {
            throw new ServerError("FATAL", "28P01", "no password supplied", null, null);
        }
        return source.password();
    }

    private void sendPassword(byte[] text) throws IOException {
        out.writeByte('p');
        out.writeInt(4 + text.length);
        out.write(text);
        out.flush();
    }

    /** PostgreSQL's MD5 answer: "md5" + md5(md5(password + user) + salt), in hex. */
    static String md5(String password, String user, byte[] salt) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            byte[] inner = md5.digest((password + user).getBytes(StandardCharsets.UTF_8));
            md5.update(HexFormat.of().formatHex(inner).getBytes(StandardCharsets.US_ASCII));
            md5.update(salt);
            return "md5" + HexFormat.of().formatHex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no MD5", e);
        }
    }

    private void parameter(byte[] data) {
        List<String> pair = cStrings(data);
        if (pair.size() >= 2 && pair.get(0).equals("server_version")) {
            serverVersion = pair.get(1);
        }
    }

    static byte[] cString(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        byte[] text = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, text, 0, bytes.length);
        return text;
    }

    /** The NUL-terminated strings of {@code data}, up to an empty one or the end. */
    public static List<String> cStrings(byte[] data) {
        List<String> strings = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                if (i == start) {
                    break;
                }
                strings.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return strings;
    }

    /**
     * The source's settings and the server cannot agree (TLS refused where required, no CA for a verify mode,
     * an authentication method not spoken here): retrying will not help.
     */
    public static final class ConfigurationError extends IOException {
        public ConfigurationError(String message) {
            super(message);
        }
    }

    /** An ErrorResponse: the server's own words, which {@code PgErrorHints} understands like libpq's. */
    public static final class ServerError extends IOException {
        private final String severity;
        private final String sqlState;

        ServerError(String severity, String sqlState, String message, String detail, String hint) {
            super(severity + ":  " + message + (detail == null ? "" : " DETAIL:  " + detail)
                    + (hint == null ? "" : " HINT:  " + hint));
            this.severity = severity;
            this.sqlState = sqlState;
        }

        static ServerError parse(byte[] data) {
            String severity = "ERROR";
            String code = null;
            String message = "(no message)";
            String detail = null;
            String hint = null;
            int i = 0;
            while (i < data.length && data[i] != 0) {
                byte field = data[i];
                int end = i + 1;
                while (end < data.length && data[end] != 0) {
                    end++;
                }
                String value = new String(data, i + 1, end - i - 1, StandardCharsets.UTF_8);
                switch (field) {
                    case 'V' -> severity = value;
                    case 'C' -> code = value;
                    case 'M' -> message = value;
                    case 'D' -> detail = value;
                    case 'H' -> hint = value;
                    default -> {
                        // position, file, line, routine...: not for a person
                    }
                }
                i = end + 1;
            }
            return new ServerError(severity, code, message, detail, hint);
        }

        public String severity() {
            return severity;
        }

        public String sqlState() {
            return sqlState;
        }
    }
}
