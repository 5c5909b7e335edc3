import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

@main
struct GatewayLoadgen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-loadgen",
        abstract: "Keep-alive HTTPS load through an HTTP proxy's CONNECT tunnels (TLS to the proxy's leaf certificate).",
        discussion: """
        Each connection sends CONNECT target through --proxy, does a TLS handshake over the tunnel \
        (chain verified against --ca), then sends GET requests back to back, one in flight at a \
        time, until --duration has passed. A closed connection is reopened while time remains.
        For an IP target no SNI is sent and the leaf must carry that IP as an IP SAN; for a host \
        name, or with --sni, the usual host name check applies. Output: one `key value` per line.
        """
    )

    @Option(help: "HTTP proxy as host:port; CONNECT tunnels go through it.")
    var proxy: String?

    @Flag(name: .customLong("no-proxy"), help: "Connect straight to --target (to validate against the origin).")
    var noProxy = false

    @Option(help: "Origin as host:port (the CONNECT target).")
    var target: String = "127.0.0.1:18443"

    @Option(help: "Request path.")
    var path: String = "/1k.bin"

    @Option(name: [.customShort("c"), .long], help: "Connections.")
    var connections: Int = 32

    @Option(name: [.customShort("t"), .long], help: "Event-loop threads.")
    var threads: Int = 2

    @Option(name: [.customShort("d"), .long], help: "Seconds of load.")
    var duration: Double = 20

    @Option(help: "PEM file of the CA(s) to trust (the proxy's interception CA, or the origin's certificate with --no-proxy).")
    var ca: String?

    @Option(name: .customLong("proxy-auth"), help: "user:token sent as Proxy-Authorization: Basic.")
    var proxyAuth: String?

    @Option(help: "Server name for SNI and the certificate name check (default: the target host; none for an IP).")
    var sni: String?

    @Flag(name: .customLong("no-tls"), help: "Plain HTTP inside the connection instead of TLS.")
    var noTLS = false

    @Flag(name: .customLong("insecure"), help: "Do not verify the server certificate at all (debugging only).")
    var insecure = false

    func validate() throws {
        if noProxy == (proxy != nil) { throw ValidationError("give exactly one of --proxy HOST:PORT and --no-proxy") }
        if !noTLS, !insecure, ca == nil { throw ValidationError("--ca FILE is required for TLS (or --insecure)") }
        if connections < 1 || threads < 1 || duration <= 0 { throw ValidationError("connections, threads and duration must be positive") }
    }

    func run() throws {
        let target = try Endpoint(parsing: self.target)
        let dial = try proxy.map { try Endpoint(parsing: $0) } ?? target
        let remote = try SocketAddress.makeAddressResolvingHost(dial.host, port: dial.port)
        let targetIP = ipAddressBytes(target.host)

        var tlsContext: NIOSSLContext?
        var serverHostname: String?
        var expectedIP: [UInt8]?
        if !noTLS {
            var config = TLSConfiguration.makeClientConfiguration()
            config.applicationProtocols = ["http/1.1"]
            if insecure {
                config.certificateVerification = .none
            } else {
                config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca!))
                if let sni {
                    serverHostname = sni
                    config.certificateVerification = .fullVerification
                } else if let ip = targetIP {
                    expectedIP = ip
                    config.certificateVerification = .noHostnameVerification
                } else {
                    serverHostname = target.host
                    config.certificateVerification = .fullVerification
                }
            }
            tlsContext = try NIOSSLContext(configuration: config)
        }

        var connectRequest: ByteBuffer?
        if !noProxy {
            var text = "CONNECT \(target.authority) HTTP/1.1\r\nHost: \(target.authority)\r\n"
            if let proxyAuth { text += "Proxy-Authorization: Basic \(base64(Array(proxyAuth.utf8)))\r\n" }
            text += "\r\n"
            connectRequest = ByteBuffer(string: text)
        }

        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: target.port == (noTLS ? 80 : 443) ? target.host : target.authority)
        head.headers.add(name: "User-Agent", value: "gateway-loadgen")
        head.headers.add(name: "Accept", value: "*/*")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }

        let start = now()
        let durationNanos = UInt64(duration * 1e9)
        let config = RunConfig(remote: remote, target: target, connectRequest: connectRequest, tls: tlsContext,
                               serverHostname: serverHostname, expectedIP: expectedIP,
                               requestHead: head, deadline: start + durationNanos)
        let slots = (0..<connections).map { _ in Slot(run: config, loop: group.next()) }
        for slot in slots { slot.loop.execute { slot.connect() } }

        // Sleep until the deadline on a timer, then stop every slot on its own loop.
        try group.next().scheduleTask(deadline: NIODeadline.uptimeNanoseconds(config.deadline)) {}.futureResult.wait()
        let stopped = now()
        for slot in slots { try? slot.loop.flatSubmit { slot.stop() }.wait() }
        let all = try slots.map { slot in try slot.loop.submit { slot.stats }.wait() }

        report(all, elapsed: stopped - start, target: target, dial: dial, verify: verifyDescription(serverHostname, expectedIP))
    }

    private func verifyDescription(_ hostname: String?, _ ip: [UInt8]?) -> String {
        if noTLS { return "none(plain-http)" }
        if insecure { return "none(insecure)" }
        if let hostname { return "chain+hostname(\(hostname))" }
        if ip != nil { return "chain+ip-san" }
        return "chain"
    }

    private func report(_ all: [SlotStats], elapsed: UInt64, target: Endpoint, dial: Endpoint, verify: String) {
        var latencies: [UInt64] = []
        latencies.reserveCapacity(all.reduce(0) { $0 + $1.latencies.count })
        var setups: [UInt64] = []
        var bytes = 0, opened = 0, serverCloses = 0
        var errors = [Int](repeating: 0, count: ErrorKind.allCases.count)
        var samples: [String] = []
        var versions: [String: Int] = [:]
        for s in all {
            versions.merge(s.tlsVersions, uniquingKeysWith: +)
            latencies += s.latencies
            setups += s.setupNanos
            bytes += s.bytes
            opened += s.connections
            serverCloses += s.serverCloses
            for k in ErrorKind.allCases { errors[k.rawValue] += s.errors[k.rawValue] }
            for e in s.errorSamples where samples.count < 5 && !samples.contains(e) { samples.append(e) }
        }
        latencies.sort()
        setups.sort()
        func pct(_ sorted: [UInt64], _ p: Double) -> String {
            guard !sorted.isEmpty else { return "nan" }
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
            return fixed(Double(sorted[min(max(rank, 0), sorted.count - 1)]) / 1e6, 3)
        }
        let seconds = Double(elapsed) / 1e9
        let mode = noProxy ? "direct" : "proxy"
        print("gateway-loadgen mode=\(mode) via=\(dial) target=\(target) path=\(path) tls=\(!noTLS) verify=\(verify) connections=\(connections) threads=\(threads)")
        print("duration_s \(fixed(seconds, 3))")
        print("requests \(latencies.count)")
        print("requests_per_sec \(fixed(Double(latencies.count) / seconds, 2))")
        print("body_bytes \(bytes)")
        print("latency_p50_ms \(pct(latencies, 50))")
        print("latency_p90_ms \(pct(latencies, 90))")
        print("latency_p99_ms \(pct(latencies, 99))")
        print("latency_max_ms \(latencies.last.map { fixed(Double($0) / 1e6, 3) } ?? "nan")")
        print("connections_opened \(opened)")
        print("connections_ready \(setups.count)")
        print("setup_p50_ms \(pct(setups, 50))")
        print("setup_max_ms \(setups.last.map { fixed(Double($0) / 1e6, 3) } ?? "nan")")
        print("server_closes \(serverCloses)")
        print("tls_versions \(versions.isEmpty ? "none" : versions.sorted { $0.key < $1.key }.map { "\($0.key)x\($0.value)" }.joined(separator: ","))")
        for k in ErrorKind.allCases { print("errors_\(k.name) \(errors[k.rawValue])") }
        print("errors_total \(errors.reduce(0, +))")
        for s in samples { print("error_sample \(s)") }
    }
}
