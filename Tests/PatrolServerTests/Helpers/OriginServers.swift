import Foundation
import NIOCore
import NIOPosix
import XCTest

/// Real web servers from Debian's packages, started on loopback for the gateway's framing tests
/// (issue 18): nginx, Apache httpd and lighttpd, each once with keep-alive and once answering
/// `Connection: close`; Python's `http.server`, which speaks HTTP/1.0; and the raw-socket origin in
/// Tests/Gateway/raw_upstream.py for framings no ordinary server sends. Every one listens for plain
/// HTTP and for TLS (a throwaway self-signed certificate), so the same cases run through the
/// gateway forwarded and intercepted.
///
/// CI installs the packages (`.ci/run`); a machine without one of them fails the test that needs
/// it, naming the package, unless `PATROL_SKIP_ORIGIN_SERVERS` is set.
final class OriginServers {
    struct Origin {
        var name: String
        var plain: Int
        var tls: Int
        /// Whether the server keeps connections open between requests.
        var keepAlive: Bool
    }

    let directory: URL
    let documentRoot: URL
    private(set) var origins: [Origin] = []
    private var processes: [Process] = []

    /// The documents every real server serves, with a fixed modification time for conditional GETs.
    static let smallText = "hello framing\n"
    static let bigSize = 1 << 20
    static let lastModified = "Wed, 01 Jun 2022 08:00:00 GMT"

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("patrol-origins-\(UUID().uuidString)")
        documentRoot = directory.appendingPathComponent("www")
        try FileManager.default.createDirectory(at: documentRoot, withIntermediateDirectories: true)
        try Data(Self.smallText.utf8).write(to: documentRoot.appendingPathComponent("small.txt"))
        var big = Data(capacity: Self.bigSize)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        while big.count < Self.bigSize {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            withUnsafeBytes(of: seed) { big.append(contentsOf: $0) }
        }
        try big.write(to: documentRoot.appendingPathComponent("big.bin"))
        // Compressible text, so servers configured for gzip answer it chunked.
        let page = (0..<3000).map { "<p>第\($0)行：网络安全检查 framing page</p>\n" }.joined()
        try Data(("<!doctype html><html><body>\n" + page + "</body></html>\n").utf8)
            .write(to: documentRoot.appendingPathComponent("page.html"))
        for name in ["small.txt", "big.bin", "page.html"] {
            try run("/usr/bin/touch", ["-d", "2022-06-01 08:00:00 UTC", documentRoot.appendingPathComponent(name).path])
        }
        try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "2",
                                     "-keyout", path("key.pem"), "-out", path("cert.pem")])
        let both = try String(contentsOfFile: path("cert.pem"), encoding: .utf8) + String(contentsOfFile: path("key.pem"), encoding: .utf8)
        try both.write(toFile: path("both.pem"), atomically: true, encoding: .utf8)
    }

    deinit { stop() }

    func stop() {
        // SIGTERM (Apache takes its workers down with it), then SIGKILL what is left; a bounded
        // wait, since Foundation's waitUntilExit was seen to hang here.
        for process in processes where process.isRunning { process.terminate() }
        var deadline = Date().addingTimeInterval(3)
        while processes.contains(where: \.isRunning), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        deadline = Date().addingTimeInterval(2)
        while processes.contains(where: \.isRunning), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        processes = []
        try? FileManager.default.removeItem(at: directory)
    }

    func origin(_ name: String) -> Origin? { origins.first { $0.name == name } }

    // MARK: Starting

    /// Starts every server this machine has; fails naming the Debian package of one it lacks.
    func startAll() throws {
        for keepAlive in [true, false] {
            try startNginx(keepAlive: keepAlive)
            try startApache(keepAlive: keepAlive)
            try startLighttpd(keepAlive: keepAlive)
        }
        try startPython()
        try startRaw()
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func require(_ binary: String, package: String) throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            let message = "\(binary) is missing: install Debian's \(package) (.ci/run does)"
            if ProcessInfo.processInfo.environment["PATROL_SKIP_ORIGIN_SERVERS"] != nil { throw XCTSkip(message) }
            throw OriginError(message)
        }
    }

    func startNginx(keepAlive: Bool) throws {
        try require("/usr/sbin/nginx", package: "nginx-light")
        let (plain, tls) = (try Self.freePort(), try Self.freePort())
        let name = "nginx-\(keepAlive ? "keepalive" : "close")"
        let prefix = path(name)
        try FileManager.default.createDirectory(atPath: prefix + "/logs", withIntermediateDirectories: true)
        let config = """
        daemon off;
        master_process off;
        worker_processes 1;
        error_log \(prefix)/logs/error.log;
        pid \(prefix)/nginx.pid;
        events { worker_connections 256; }
        http {
            access_log off;
            client_body_temp_path \(prefix)/body;
            proxy_temp_path \(prefix)/proxy;
            fastcgi_temp_path \(prefix)/fastcgi;
            uwsgi_temp_path \(prefix)/uwsgi;
            scgi_temp_path \(prefix)/scgi;
            types { text/html html; text/plain txt; application/octet-stream bin; }
            keepalive_timeout \(keepAlive ? "30s" : "0");
            if_modified_since before;
            gzip on;
            gzip_types text/plain;
            gzip_min_length 1000;
            server {
                listen 127.0.0.1:\(plain);
                listen 127.0.0.1:\(tls) ssl;
                ssl_certificate \(path("cert.pem"));
                ssl_certificate_key \(path("key.pem"));
                root \(documentRoot.path);
                location = /no-content { return 204; }
            }
        }
        """
        try config.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
        try launch(name, "/usr/sbin/nginx", ["-p", prefix, "-c", prefix + "/nginx.conf"], ports: [plain, tls], keepAlive: keepAlive)
    }

    func startApache(keepAlive: Bool) throws {
        try require("/usr/sbin/apache2", package: "apache2")
        let (plain, tls) = (try Self.freePort(), try Self.freePort())
        let name = "apache-\(keepAlive ? "keepalive" : "close")"
        let root = path(name)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let modules = ["mpm_event", "authz_core", "mime", "dir", "ssl", "socache_shmcb", "deflate", "filter", "headers", "rewrite"]
            .map { "LoadModule \($0)_module /usr/lib/apache2/modules/mod_\($0).so" }.joined(separator: "\n")
        let config = """
        ServerRoot "\(root)"
        ServerName localhost
        PidFile \(root)/httpd.pid
        ErrorLog \(root)/error.log
        LogLevel warn
        \(modules)
        User www-data
        Group www-data
        Mutex file:\(root) default
        DefaultRuntimeDir \(root)
        StartServers 1
        ServerLimit 1
        ThreadsPerChild 16
        MaxRequestWorkers 16
        KeepAlive \(keepAlive ? "On" : "Off")
        Listen 127.0.0.1:\(plain)
        Listen 127.0.0.1:\(tls)
        TypesConfig /etc/mime.types
        DocumentRoot "\(documentRoot.path)"
        <Directory "\(documentRoot.path)">
            Require all granted
        </Directory>
        AddOutputFilterByType DEFLATE text/html
        RewriteEngine On
        RewriteRule ^/no-content$ - [R=204,L]
        SSLSessionCache shmcb:\(root)/ssl_scache(512000)
        <VirtualHost 127.0.0.1:\(tls)>
            SSLEngine on
            SSLCertificateFile \(path("cert.pem"))
            SSLCertificateKeyFile \(path("key.pem"))
        </VirtualHost>
        """
        try config.write(toFile: root + "/httpd.conf", atomically: true, encoding: .utf8)
        // Apache starts as root and serves as www-data (Debian's package creates that user).
        try launch(name, "/usr/sbin/apache2", ["-f", root + "/httpd.conf", "-DFOREGROUND"], ports: [plain, tls], keepAlive: keepAlive)
    }

    func startLighttpd(keepAlive: Bool) throws {
        try require("/usr/sbin/lighttpd", package: "lighttpd")
        let (plain, tls) = (try Self.freePort(), try Self.freePort())
        let name = "lighttpd-\(keepAlive ? "keepalive" : "close")"
        let root = path(name)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let config = """
        server.modules = ("mod_openssl", "mod_deflate")
        server.document-root = "\(documentRoot.path)"
        server.bind = "127.0.0.1"
        server.port = \(plain)
        server.errorlog = "\(root)/error.log"
        server.max-keep-alive-requests = \(keepAlive ? 100 : 0)
        mimetype.assign = (".html" => "text/html", ".txt" => "text/plain", ".bin" => "application/octet-stream")
        deflate.mimetypes = ("text/html")
        deflate.allowed-encodings = ("gzip")
        $SERVER["socket"] == "127.0.0.1:\(tls)" {
            ssl.engine = "enable"
            ssl.pemfile = "\(path("both.pem"))"
        }
        """
        try config.write(toFile: root + "/lighttpd.conf", atomically: true, encoding: .utf8)
        try launch(name, "/usr/sbin/lighttpd", ["-D", "-f", root + "/lighttpd.conf"], ports: [plain, tls], keepAlive: keepAlive)
    }

    /// Python's `http.server` answers HTTP/1.0 and closes after each response; the TLS port is the
    /// same handler in an SSL context.
    func startPython() throws {
        let (plain, tls) = (try Self.freePort(), try Self.freePort())
        let script = """
        import http.server, ssl, sys, threading, functools
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
        http.server.SimpleHTTPRequestHandler.protocol_version = "HTTP/1.0"
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        plain = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler)
        secure = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[3])), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[4], sys.argv[5])
        secure.socket = context.wrap_socket(secure.socket, server_side=True)
        threading.Thread(target=secure.serve_forever, daemon=True).start()
        plain.serve_forever()
        """
        try script.write(toFile: path("python_origin.py"), atomically: true, encoding: .utf8)
        try launch("python-http1.0", "/usr/bin/env", ["python3", path("python_origin.py"), documentRoot.path, "\(plain)", "\(tls)",
                                                     path("cert.pem"), path("key.pem")], ports: [plain, tls], keepAlive: false)
    }

    /// The raw-socket origin; it reports its ports through files.
    func startRaw() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Gateway/raw_upstream.py").path
        let plainFile = path("raw-plain.port"), tlsFile = path("raw-tls.port")
        for (file, extra) in [(plainFile, [String]()), (tlsFile, [path("cert.pem"), path("key.pem")])] {
            let process = try spawn("/usr/bin/env", ["python3", script, file] + extra)
            processes.append(process)
        }
        let ports = try [plainFile, tlsFile].map { file -> Int in
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if let text = try? String(contentsOfFile: file, encoding: .utf8), let port = Int(text) { return port }
                Thread.sleep(forTimeInterval: 0.05)
            }
            throw OriginError("raw_upstream.py did not start")
        }
        origins.append(Origin(name: "raw", plain: ports[0], tls: ports[1], keepAlive: true))
    }

    // MARK: Processes

    private func launch(_ name: String, _ executable: String, _ arguments: [String], ports: [Int], keepAlive: Bool,
                        environment: [String: String] = [:]) throws {
        let log = path(name + ".out")
        let process = try spawn(executable, arguments, environment: environment, log: log)
        processes.append(process)
        for port in ports {
            guard Self.waitForListener(port: port, process: process) else {
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw OriginError("\(name) did not listen on \(port): \(output.suffix(2000))")
            }
        }
        origins.append(Origin(name: name, plain: ports[0], tls: ports[1], keepAlive: keepAlive))
    }

    private func spawn(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       log: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let log {
            FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    private func run(_ executable: String, _ arguments: [String]) throws {
        let process = try spawn(executable, arguments, log: path("setup.out"))
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OriginError("\(executable) \(arguments.joined(separator: " ")) failed: "
                              + ((try? String(contentsOfFile: path("setup.out"), encoding: .utf8)) ?? ""))
        }
    }

    static func waitForListener(port: Int, process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, process.isRunning {
            if let channel = try? ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).wait() {
                channel.close(promise: nil)
                return true
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// A port the kernel just gave out and took back: free now, and not handed out again at once.
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return channel.localAddress!.port!
    }

    struct OriginError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
