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
                           resolver: any GatewayResolver = SystemResolver(), bodyCap: Int = 64 * 1024) async throws -> Int {
        guard let campaignID = record.$campaign.id, let campaign = try await Campaign.find(campaignID, on: db) else {
            throw Problem.noCampaign
        }
        guard ["http", "https", "replay"].contains(record.kind), let method = record.method, method != "CONNECT" else {
            throw Problem.notReplayable(record.kind)
        }
        guard !record.requestBodyTruncated else { throw Problem.bodyTruncated }
        let https = record.url.lowercased().hasPrefix("https://")
        guard let target = ProxyTarget.absolute(https ? "http://" + record.url.dropFirst("https://".count) : record.url) else {
            throw Problem.notReplayable(record.kind)
        }
        let port = record.port
        let scope = Scope.compile(try await GatewayDirectory.scopeAssets(campaigns: [campaignID], on: db)[campaignID] ?? []).scope

        var row = GatewayRecordRow(client: "replay", kind: "replay", url: record.url, host: target.host, port: port,
                                   startedAt: Date(), decision: "denied")
        row.campaignID = campaign.id
        row.userID = actorID
        row.username = username
        row.method = method
        row.replayOf = record.id
        let headers = record.headerPairs.request.filter { $0.count == 2 && $0[0].lowercased() != "proxy-authorization" }
        row.requestHeaders = headers.map { GatewayRecordRow.Header($0[0], $0[1]) }
        let body = try record.requestBody.map { try RecordedBody.decompress($0) } ?? Data()
        row.requestBody = body.isEmpty ? nil : body
        row.requestBodySize = body.count

        let resolved: [IPAddress]
        if let literal = Scope.isLiteral(target.host) { resolved = [literal] } else {
            // A name that does not resolve is refused as unresolved, like a live request.
            resolved = (try? await resolver.resolve(host: target.host, eventLoop: eventLoop).get()) ?? []
        }
        let grantAddress: IPAddress
        switch scope.decide(host: target.host, port: port, resolved: resolved) {
        case .allow(let address, _):
            grantAddress = address
        case .deny(let refusal):
            let mapped: Refusal = switch refusal {
            case .notInScope: .notInScope
            case .specialAddress: .specialAddress
            case .unresolved: .unresolved
            }
            row.reason = mapped.rawValue
            row.status = mapped.status
            try await GatewayRecordRow.insert([compressed(row)], on: db)
            throw mapped
        }
        row.decision = "allowed"
        row.address = grantAddress.description

        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target.path)
        for pair in headers { head.headers.add(name: pair[0], value: pair[1]) }
        HTTPProxyHandler.stripHopByHop(&head.headers)
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        if !head.headers.contains(name: "host") { head.headers.add(name: "Host", value: target.hostForURL) }

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
            row.reason = error is ReplayTimeout ? "upstream_timeout" : "upstream_unreachable"
            row.status = 502
        }
        row.tls = certificate.withLockedValue { $0 }
        row.durationMs = Int((NIODeadline.now() - started).nanoseconds / 1_000_000)
        return try await GatewayRecordRow.insertReturningID(compressed(row), on: db)
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
