import FluentKit
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PatrolCore
import PatrolStore

/// Sends a recorded request again, for a reviewer's retest (SPEC §6): checked against the campaign's
/// scope as it is now (the testing window need not be open — retests come after it), connected to
/// the checked address, and recorded as a new record (`kind` replay, `replayOf` the original).
public enum GatewayReplay {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case noCampaign, notReplayable(String), bodyTruncated
        public var description: String {
            switch self {
            case .noCampaign: "记录不属于任何活动 / the record belongs to no campaign"
            case .notReplayable(let kind): "此类记录（\(kind)）不能重放 / records of kind \(kind) cannot be replayed"
            case .bodyTruncated: "请求体超过记录上限，未完整保存，不能重放 / the request body was larger than the recording cap, so it cannot be replayed"
            }
        }
    }

    /// Replays `record` as the reviewer `username`; returns the new record's id. Throws `Refusal`
    /// when the target is no longer in scope (that refusal is recorded too).
    public static func run(record: GatewayRecord, actorID: UUID, username: String, db: any Database, eventLoop: any EventLoop,
                           resolver: any GatewayResolver = SystemResolver(), bodyCap: Int = 64 * 1024,
                           gateway: Gateway? = nil) async throws -> Int {
        guard let campaignID = record.$campaign.id else { throw Problem.noCampaign }
        guard ["http", "https", "replay"].contains(record.kind), let method = record.method, method != "CONNECT" else {
            throw Problem.notReplayable(record.kind)
        }
        guard !record.requestBodyTruncated else { throw Problem.bodyTruncated }
        let headers = record.headerPairs.request.filter { $0.count == 2 && $0[0].lowercased() != "proxy-authorization" }
        let body = try record.requestBody.map { try RecordedBody.decompress($0) } ?? Data()
        let request = OutboundRequest(kind: "replay", method: method, url: record.url, port: record.port,
                                      headers: headers.map { ($0[0], $0[1]) }, body: body, replayOf: record.id)
        return try await send(request, campaignID: campaignID, actorID: actorID, username: username, db: db, eventLoop: eventLoop,
                              resolver: resolver, bodyCap: bodyCap, gateway: gateway).id
    }

    /// A request the server itself sends to a target on a user's behalf: a replay, a shell check.
    public struct OutboundRequest: Sendable {
        public var kind: String
        public var method: String
        public var url: String
        /// The port, when the URL's own (or its scheme's default) is not the one to use.
        public var port: Int?
        public var headers: [(String, String)]
        public var body: Data
        public var replayOf: Int?

        public init(kind: String, method: String, url: String, port: Int? = nil, headers: [(String, String)] = [],
                    body: Data = Data(), replayOf: Int? = nil) {
            self.kind = kind
            self.method = method
            self.url = url
            self.port = port
            self.headers = headers
            self.body = body
            self.replayOf = replayOf
        }
    }

    /// Sends `request` under the same rules as a tester's (issue 18, item 3): the name must be one
    /// a DNS name can be, the target in the campaign's scope as it is now (the window need not be
    /// open), never a special address no asset names nor Patrol itself; it connects to the checked
    /// address, skips certificate checks (targets' certificates are often broken), and records the
    /// exchange. Throws `Refusal` when refused, after recording the refusal; returns the record.
    public static func send(_ request: OutboundRequest, campaignID: UUID, actorID: UUID, username: String, db: any Database,
                            eventLoop: any EventLoop, resolver: any GatewayResolver = SystemResolver(), bodyCap: Int = 64 * 1024,
                            gateway: Gateway? = nil) async throws -> (id: Int, row: GatewayRecordRow) {
        guard let campaign = try await Campaign.find(campaignID, on: db) else { throw Problem.noCampaign }
        let https = request.url.lowercased().hasPrefix("https://")
        guard let target = ProxyTarget.absolute(https ? "http://" + request.url.dropFirst("https://".count) : request.url,
                                                defaultPort: https ? 443 : 80) else {
            throw Problem.notReplayable(request.kind)
        }
        let port = request.port ?? target.port
        let scope = Scope.compile(try await GatewayDirectory.scopeAssets(campaigns: [campaignID], on: db)[campaignID] ?? []).scope

        var row = GatewayRecordRow(client: request.kind, kind: request.kind, url: request.url, host: target.host, port: port,
                                   startedAt: Date(), decision: "denied")
        row.campaignID = campaign.id
        row.userID = actorID
        row.username = username
        row.method = request.method
        row.replayOf = request.replayOf
        row.requestHeaders = request.headers.map { GatewayRecordRow.Header($0.0, $0.1) }
        let body = request.body
        row.requestBody = body.isEmpty ? nil : body
        row.requestBodySize = body.count

        let resolved: [IPAddress]
        if let literal = Scope.isLiteral(target.host) { resolved = [literal] } else {
            // A name that does not resolve is refused as unresolved, like a live request.
            resolved = (try? await resolver.resolve(host: target.host, eventLoop: eventLoop).get()) ?? []
        }
        var refused: Refusal?
        var grantAddress = IPAddress("0.0.0.0")!
        switch scope.decide(host: target.host, port: port, resolved: resolved) {
        case .allow(let address, _) where gateway?.isPatrolItself(address: address, port: port) ?? false:
            refused = .patrolItself
        case .allow(let address, _):
            grantAddress = address
        case .deny(let refusal):
            refused = switch refusal {
            case .notInScope: HostName.isValid(target.host) ? .notInScope : .badName
            case .specialAddress: .specialAddress
            case .unresolved: .unresolved
            }
        }
        if let refused {
            row.reason = refused.rawValue
            row.status = refused.status
            if let alert = refused.alert { row.alerts.append(alert) }
            _ = try await GatewayRecordRow.insertReturningID(compressed(row), on: db)
            throw refused
        }
        row.decision = "allowed"
        row.address = grantAddress.description

        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: target.path)
        for (name, value) in request.headers { head.headers.add(name: name, value: value) }
        HTTPProxyHandler.stripHopByHop(&head.headers)
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        // The Host is the checked target's, whatever the recorded request said.
        head.headers.replaceOrAdd(name: "Host", value: target.hostForURL + (port == (https ? 443 : 80) ? "" : ":\(port)"))

        let started = NIODeadline.now()
        let promise = eventLoop.makePromise(of: ReplayResponse.self)
        let certificate = NIOLockedValueBox<String?>(nil)
        do {
            let channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try UpstreamTLS.addHTTPClientHandlers(to: sync, tls: https, host: target.host, certificate: certificate)
                        try sync.addHandler(ReplayCollector(promise: promise, cap: bodyCap))
                    }
                }
                .connect(to: grantAddress.socketAddress(port: port)).get()
            let timeout = eventLoop.scheduleTask(in: .seconds(30)) {
                promise.fail(ReplayTimeout())
                channel.close(promise: nil)
            }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if !body.isEmpty { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            // Counted like the proxy counts a request: request line, headers and body.
            row.bytesUp = Int64(HTTPProxyHandler.requestHeadBytes(head) + body.count)
            let response = try await promise.futureResult.get()
            timeout.cancel()
            channel.close(promise: nil)
            row.status = response.status
            row.responseHeaders = response.headers.map { GatewayRecordRow.Header($0.0, $0.1) }
            row.responseBody = response.body.kept.isEmpty ? nil : response.body.kept
            row.responseBodySize = response.body.total
            row.responseBodyTruncated = response.body.total > response.body.kept.count
            row.bytesDown = Int64(HTTPProxyHandler.responseHeadBytes(HTTPHeaders(response.headers)) + response.body.total)
        } catch {
            promise.fail(error)  // a failed connect never reached the collector; NIO insists every promise completes
            // A refused connection (nothing listens) is told apart: for a shell check it means gone.
            let refusedConnection = "\(error)".localizedCaseInsensitiveContains("refused")
            row.reason = error is ReplayTimeout ? "upstream_timeout" : refusedConnection ? "upstream_refused" : "upstream_unreachable"
            row.status = 502
        }
        row.tls = certificate.withLockedValue { $0 }
        row.durationMs = Int((NIODeadline.now() - started).nanoseconds / 1_000_000)
        let id = try await GatewayRecordRow.insertReturningID(compressed(row), on: db)
        return (id, row)
    }

    private static func compressed(_ row: GatewayRecordRow) throws -> GatewayRecordRow {
        var stored = row
        try RecordedBody().compressBodies(of: &stored)
        return stored
    }
}

struct ReplayTimeout: Error {}

struct ReplayResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: BodyCapture
}

/// Collects one response for a replay.
final class ReplayCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<ReplayResponse>
    var response: ReplayResponse

    init(promise: EventLoopPromise<ReplayResponse>, cap: Int) {
        self.promise = promise
        self.response = ReplayResponse(status: 0, headers: [], body: BodyCapture(cap: cap))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response.status = Int(head.status.code)
            response.headers = head.headers.map { ($0.name, $0.value) }
        case .body(let buffer):
            response.body.add(buffer)
        case .end:
            promise.succeed(response)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
