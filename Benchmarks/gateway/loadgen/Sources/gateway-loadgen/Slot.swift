import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

enum ErrorKind: Int, CaseIterable {
    case connect, proxy, tls, status, io
    var name: String {
        switch self {
        case .connect: "connect"
        case .proxy: "proxy"
        case .tls: "tls"
        case .status: "status"
        case .io: "io"
        }
    }
}

/// A latency histogram in nanoseconds: 1 µs resolution, three significant digits, up to two minutes.
typealias Latencies = Histogram<UInt64>

extension Histogram where Count == UInt64 {
    static func latencies() -> Latencies {
        Latencies(lowestDiscernibleValue: 1_000, highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Records `nanos`, a value beyond the range as the range's top.
    mutating func recordClamped(_ nanos: UInt64) {
        record(Swift.min(nanos, highestTrackableValue))
    }
}

/// Counters of one connection slot. Touched only on the slot's event loop until the run has stopped.
final class SlotStats: @unchecked Sendable {
    /// From the scheduled send time (open model) or the actual send (closed loop) to the response's end.
    var latency = Latencies.latencies()
    /// From the actual send to the response's end (open model only; equals `latency` in a closed loop).
    var service = Latencies.latencies()
    var setupNanos: [UInt64] = []
    /// Open model: requests that went out more than the run's lateness threshold after their due time.
    var lateSends = 0
    var maxLateness: UInt64 = 0
    /// Open model: requests due before the end that were never sent; both: a request still unanswered at the stop.
    var unsent = 0
    var unanswered = 0
    var bytes = 0
    var connections = 0
    var serverCloses = 0
    var errors = [Int](repeating: 0, count: ErrorKind.allCases.count)
    var errorSamples: [String] = []
    var tlsVersions: [String: Int] = [:]
}

/// Everything fixed for the whole run.
final class RunConfig: Sendable {
    let remote: SocketAddress
    let target: Endpoint
    let connectRequest: ByteBuffer?       // nil: connect straight to the target
    let tls: NIOSSLContext?               // nil: plain HTTP
    let serverHostname: String?           // SNI and name check; nil for an IP target
    let expectedIP: [UInt8]?              // checked against the leaf's IP SANs
    let requestHead: HTTPRequestHead
    /// No request is sent from here on; responses still count until `deadline`.
    let sendUntil: UInt64
    let deadline: UInt64
    /// Open model: a send later than this after its due time counts as late.
    let lateNanos: UInt64

    init(remote: SocketAddress, target: Endpoint, connectRequest: ByteBuffer?, tls: NIOSSLContext?,
         serverHostname: String?, expectedIP: [UInt8]?, requestHead: HTTPRequestHead,
         sendUntil: UInt64, deadline: UInt64, lateNanos: UInt64) {
        self.remote = remote
        self.target = target
        self.connectRequest = connectRequest
        self.tls = tls
        self.serverHostname = serverHostname
        self.expectedIP = expectedIP
        self.requestHead = requestHead
        self.sendUntil = sendUntil
        self.deadline = deadline
        self.lateNanos = lateNanos
    }
}

struct IPMismatch: Error, CustomStringConvertible {
    let certificate: String
    var description: String { "leaf certificate has no IP SAN for the target: \(certificate)" }
}

/// One of the N connections: connects, reconnects after a close while the run lasts.
final class Slot: @unchecked Sendable {
    let run: RunConfig
    let loop: any EventLoop
    let stats = SlotStats()
    private(set) var stopping = false
    private var channel: (any Channel)?
    private var connectStartedAt: UInt64 = 0
    /// Open model: this connection's share of the schedule (it outlives reconnections); nil in a closed loop.
    var timetable: Timetable?
    /// A request is on the wire and its response has not ended.
    var inFlight = false

    init(run: RunConfig, loop: any EventLoop, timetable: Timetable?) {
        self.run = run
        self.loop = loop
        self.timetable = timetable
    }

    /// Open model: nothing left to send and nothing awaited.
    var finished: Bool { !inFlight && timetable?.due == nil }

    /// Set by an error on the current connection: the next connect waits 50 ms instead of 1 ms.
    private var failed = false

    func noteError(_ kind: ErrorKind, _ message: String) {
        failed = true
        stats.errors[kind.rawValue] += 1
        if stats.errorSamples.count < 3 { stats.errorSamples.append("\(kind.name): \(message)") }
    }

    func noteTLSVersion(_ version: TLSVersion?) {
        let name = switch version {
        case .tlsv1: "TLSv1.0"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        case nil: "unknown"
        }
        stats.tlsVersions[name, default: 0] += 1
    }

    func connectionReady() {
        stats.setupNanos.append(now() &- connectStartedAt)
    }

    /// Called on `loop`.
    func connect() {
        guard !stopping, now() < run.deadline else { return }
        connectStartedAt = now()
        stats.connections += 1
        let run = self.run
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] channel in
                do {
                    let sync = channel.pipeline.syncOperations
                    if let request = run.connectRequest {
                        try sync.addHandler(ProxyConnectHandler(request: request, slot: self) { ch in
                            try self.tunnelHandlers(ch)
                        })
                    } else {
                        try sync.addHandlers(self.tunnelHandlers(channel))
                    }
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        bootstrap.connect(to: run.remote).whenComplete { [self] result in
            switch result {
            case .success(let channel):
                if stopping {
                    channel.close(promise: nil)
                    return
                }
                self.channel = channel
                channel.closeFuture.whenComplete { [self] _ in
                    self.channel = nil
                    guard !stopping, now() < run.deadline else { return }
                    let pause: TimeAmount = failed ? .milliseconds(50) : .milliseconds(1)
                    failed = false
                    loop.scheduleTask(in: pause) { self.connect() }
                }
            case .failure(let error):
                noteError(.connect, "\(error)")
                guard !stopping, now() < run.deadline else { return }
                loop.scheduleTask(in: .milliseconds(50)) { self.connect() }
            }
        }
    }

    /// TLS (if any), the HTTP/1.1 codec and the load handler.
    private func tunnelHandlers(_ channel: any Channel) throws -> [any ChannelHandler] {
        var handlers: [any ChannelHandler] = []
        if let tls = run.tls {
            if let expected = run.expectedIP {
                handlers.append(try NIOSSLClientHandler._makeSSLClientHandler(
                    context: tls, serverHostname: nil,
                    additionalPeerCertificateVerificationCallback: { leaf, channel in
                        let names = leaf._subjectAlternativeNames()
                        let ok = names.contains { $0.nameType == .ipAddress && Array($0.contents) == expected }
                        return ok ? channel.eventLoop.makeSucceededVoidFuture()
                            : channel.eventLoop.makeFailedFuture(IPMismatch(certificate: "\(leaf)"))
                    }))
            } else {
                handlers.append(try NIOSSLClientHandler(context: tls, serverHostname: run.serverHostname))
            }
        }
        handlers.append(HTTPRequestEncoder())
        handlers.append(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .fireError)))
        handlers.append(LoadHandler(slot: self, head: run.requestHead, waitsForTLS: run.tls != nil))
        return handlers
    }

    /// Called on `loop` at the deadline: no new requests, close the connection.
    func stop() -> EventLoopFuture<Void> {
        stopping = true
        if inFlight { stats.unanswered += 1 }
        stats.unsent = timetable?.remaining ?? 0
        guard let channel else { return loop.makeSucceededVoidFuture() }
        return channel.close().recover { _ in }
    }
}
