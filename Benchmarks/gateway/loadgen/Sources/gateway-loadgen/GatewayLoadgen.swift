import ArgumentParser
import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

@main
struct GatewayLoadgen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-loadgen",
        abstract: "Keep-alive HTTP(S) load: through a proxy's CONNECT tunnels, through a forward proxy, or direct; closed loop or constant rate.",
        discussion: """
        Connections: with --proxy, each connection sends CONNECT target through the proxy, does a \
        TLS handshake over the tunnel (chain verified against --ca) unless --no-tls, then sends GET \
        requests; with --proxy and --forward, plain HTTP GETs with an absolute URI to the proxy \
        itself (no CONNECT); with --no-proxy, straight to --target. One request in flight per \
        connection. A closed connection is reopened while time remains.
        Closed loop (default): each connection sends its next request as soon as the last response \
        has ended, for --duration seconds: this measures the maximum rate.
        Constant rate (--rate R): the open model. After --warmup seconds (connections open during \
        it), requests are due on a fixed timetable, R per second spread evenly over the connections, \
        for --duration seconds. A request goes out at its due time, or as soon as its connection is \
        free if the previous response is late; its latency is counted from the due time, so a stall \
        is charged to every request it held up (coordinated omission corrected). Responses may still \
        arrive during --grace. Reported: the achieved rate, latency percentiles from an HdrHistogram, \
        the service time (from the actual send), sends later than --late-ms, requests never sent.
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

    @Flag(help: "Plain HTTP through --proxy as a forward proxy: absolute-URI GETs, no CONNECT (implies --no-tls).")
    var forward = false

    @Option(help: "Requests per second in all, on a fixed timetable (open model); without it, a closed loop.")
    var rate: Double?

    @Option(help: "Constant rate: seconds to open the connections before the timetable starts.")
    var warmup: Double = 1

    @Option(help: "Constant rate: seconds after the last due time in which responses still count.")
    var grace: Double = 2

    @Option(name: .customLong("late-ms"), help: "Constant rate: a request sent more than this many ms after its due time counts as late.")
    var lateMs: Double = 1

    @Flag(name: .customLong("insecure"), help: "Do not verify the server certificate at all (debugging only).")
    var insecure = false

    /// No TLS inside the connection.
    private var plain: Bool { noTLS || forward }

    func validate() throws {
        if noProxy == (proxy != nil) { throw ValidationError("give exactly one of --proxy HOST:PORT and --no-proxy") }
        if forward, noProxy { throw ValidationError("--forward needs --proxy") }
        if !plain, !insecure, ca == nil { throw ValidationError("--ca FILE is required for TLS (or --insecure)") }
        if connections < 1 || threads < 1 || duration <= 0 { throw ValidationError("connections, threads and duration must be positive") }
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be a positive number of requests per second") }
        if warmup < 0 || grace < 0 || lateMs < 0 { throw ValidationError("--warmup, --grace and --late-ms cannot be negative") }
    }

    func run() throws {
        let target = try Endpoint(parsing: self.target)
        let dial = try proxy.map { try Endpoint(parsing: $0) } ?? target
        let remote = try SocketAddress.makeAddressResolvingHost(dial.host, port: dial.port)
        let targetIP = ipAddressBytes(target.host)

        var tlsContext: NIOSSLContext?
        var serverHostname: String?
        var expectedIP: [UInt8]?
        if !plain {
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
        if !noProxy, !forward {
            var text = "CONNECT \(target.authority) HTTP/1.1\r\nHost: \(target.authority)\r\n"
            if let proxyAuth { text += "Proxy-Authorization: Basic \(base64(Array(proxyAuth.utf8)))\r\n" }
            text += "\r\n"
            connectRequest = ByteBuffer(string: text)
        }

        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: forward ? "http://\(target.authority)\(path)" : path)
        head.headers.add(name: "Host", value: target.port == (plain ? 80 : 443) ? target.host : target.authority)
        head.headers.add(name: "User-Agent", value: "gateway-loadgen")
        head.headers.add(name: "Accept", value: "*/*")
        if forward, let proxyAuth {
            head.headers.add(name: "Proxy-Authorization", value: "Basic \(base64(Array(proxyAuth.utf8)))")
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }

        let start = now()
        let durationNanos = UInt64(duration * 1e9)
        // Closed loop: the run starts at once. Constant rate: the timetable starts after the warm-up.
        let first = rate == nil ? start : start + UInt64(warmup * 1e9)
        let sendUntil = first + durationNanos
        let deadline = rate == nil ? sendUntil : sendUntil + UInt64(grace * 1e9)
        let config = RunConfig(remote: remote, target: target, connectRequest: connectRequest, tls: tlsContext,
                               serverHostname: serverHostname, expectedIP: expectedIP,
                               requestHead: head, sendUntil: sendUntil, deadline: deadline,
                               lateNanos: UInt64(lateMs * 1e6))
        let connections = self.connections
        let slots = (0..<connections).map { k in
            Slot(run: config, loop: group.next(), timetable: rate.map { rate in
                Timetable(first: first + UInt64((Double(k) * 1e9 / rate).rounded()),
                          interval: Double(connections) * 1e9 / rate, end: sendUntil)
            })
        }
        for slot in slots { slot.loop.execute { slot.connect() } }

        // Sleep until the last send on a timer; in the open model, wait for the last responses (up to
        // the grace period); then stop every slot on its own loop.
        let timerLoop = group.next()
        try timerLoop.scheduleTask(deadline: .uptimeNanoseconds(sendUntil)) {}.futureResult.wait()
        if rate != nil {
            while now() < deadline {
                let waiting = try slots.contains { slot in try slot.loop.submit { !slot.finished }.wait() }
                if !waiting { break }
                try timerLoop.scheduleTask(in: .milliseconds(20)) {}.futureResult.wait()
            }
        }
        let stopped = now()
        for slot in slots { try? slot.loop.flatSubmit { slot.stop() }.wait() }
        let all = try slots.map { slot in try slot.loop.submit { slot.stats }.wait() }

        let measured = rate == nil ? stopped - start : durationNanos
        report(all, elapsed: measured, target: target, dial: dial, verify: verifyDescription(serverHostname, expectedIP))
    }

    private func verifyDescription(_ hostname: String?, _ ip: [UInt8]?) -> String {
        if plain { return "none(plain-http)" }
        if insecure { return "none(insecure)" }
        if let hostname { return "chain+hostname(\(hostname))" }
        if ip != nil { return "chain+ip-san" }
        return "chain"
    }

    private func report(_ all: [SlotStats], elapsed: UInt64, target: Endpoint, dial: Endpoint, verify: String) {
        var latency = Latencies.latencies(), service = Latencies.latencies()
        var setups: [UInt64] = []
        var bytes = 0, opened = 0, serverCloses = 0, late = 0, unsent = 0, unanswered = 0
        var maxLateness: UInt64 = 0
        var errors = [Int](repeating: 0, count: ErrorKind.allCases.count)
        var samples: [String] = []
        var versions: [String: Int] = [:]
        for s in all {
            versions.merge(s.tlsVersions, uniquingKeysWith: +)
            latency.add(s.latency)
            service.add(s.service)
            setups += s.setupNanos
            bytes += s.bytes
            opened += s.connections
            serverCloses += s.serverCloses
            late += s.lateSends
            maxLateness = max(maxLateness, s.maxLateness)
            unsent += s.unsent
            unanswered += s.unanswered
            for k in ErrorKind.allCases { errors[k.rawValue] += s.errors[k.rawValue] }
            for e in s.errorSamples where samples.count < 5 && !samples.contains(e) { samples.append(e) }
        }
        setups.sort()
        func ms(_ nanos: UInt64) -> String { fixed(Double(nanos) / 1e6, 3) }
        func pct(_ h: Latencies, _ p: Double) -> String { h.totalCount == 0 ? "nan" : ms(h.valueAtPercentile(p)) }
        func pct(_ sorted: [UInt64], _ p: Double) -> String {
            guard !sorted.isEmpty else { return "nan" }
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
            return ms(sorted[min(max(rank, 0), sorted.count - 1)])
        }
        let seconds = Double(elapsed) / 1e9
        let completed = Int(latency.totalCount)
        let mode = noProxy ? "direct" : forward ? "forward-proxy" : "connect-proxy"
        let model = rate.map { "constant-rate rate=\(fixed($0, 1)) warmup_s=\(fixed(warmup, 1)) grace_s=\(fixed(grace, 1)) late_ms=\(fixed(lateMs, 3))" } ?? "closed-loop"
        print("gateway-loadgen mode=\(mode) via=\(dial) target=\(target) path=\(path) tls=\(!plain) verify=\(verify) connections=\(connections) threads=\(threads) model=\(model)")
        print("duration_s \(fixed(seconds, 3))")
        if let rate {
            print("rate_target \(fixed(rate, 2))")
            print("scheduled \(Int((rate * duration).rounded()))")
        }
        print("requests \(completed)")
        print("requests_per_sec \(fixed(Double(completed) / seconds, 2))")
        print("body_bytes \(bytes)")
        for (key, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p999", 99.9)] {
            print("latency_\(key)_ms \(pct(latency, p))")
        }
        print("latency_max_ms \(latency.totalCount == 0 ? "nan" : ms(latency.maxRecorded))")
        if rate != nil {
            for (key, p) in [("p50", 50.0), ("p99", 99.0), ("p999", 99.9)] {
                print("service_\(key)_ms \(pct(service, p))")
            }
            print("service_max_ms \(service.totalCount == 0 ? "nan" : ms(service.maxRecorded))")
            print("sends_late \(late)")
            print("lateness_max_ms \(ms(maxLateness))")
            print("unsent_at_end \(unsent)")
        }
        print("unanswered_at_end \(unanswered)")
        print("connections_opened \(opened)")
        print("connections_ready \(setups.count)")
        print("setup_p50_ms \(pct(setups, 50))")
        print("setup_max_ms \(setups.last.map(ms) ?? "nan")")
        print("server_closes \(serverCloses)")
        print("tls_versions \(versions.isEmpty ? "none" : versions.sorted { $0.key < $1.key }.map { "\($0.key)x\($0.value)" }.joined(separator: ","))")
        for k in ErrorKind.allCases { print("errors_\(k.name) \(errors[k.rawValue])") }
        print("errors_total \(errors.reduce(0, +))")
        for s in samples { print("error_sample \(s)") }
    }
}
