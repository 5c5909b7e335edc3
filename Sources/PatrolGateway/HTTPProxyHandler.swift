import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PatrolCore
import PatrolStore

/// The decrypted side of an intercepted CONNECT: every request on it goes to this one checked target.
struct InterceptedTarget {
    var host: String
    var port: Int
    var grant: Grant
    var tester: GatewayDirectory.Tester
}

/// The HTTP face of the gateway (SPEC §6): absolute-URI requests are authenticated, admitted and
/// forwarded to the checked address; CONNECT becomes a tunnel or, with interception on, a TLS
/// endpoint whose decrypted requests come back through a second instance of this handler.
/// `RequestSequencer` in front hands over one request at a time, which keeps pipelined requests
/// in order; reads from the client are held while a request waits for its decision or
/// connection, and while the target cannot take more.
final class HTTPProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    fileprivate enum Phase {
        /// Waiting for a request head.
        case idle
        /// Waiting for the name to resolve or the target to connect; request parts are buffered.
        case waiting
        /// The target has the request; its response is relayed.
        case forwarding
        /// A response (refusal, upstream error) has been sent; the rest of the request is dropped.
        case draining
        /// Handed over to a tunnel or TLS interception; this handler is leaving the pipeline.
        case handedOver
    }

    let gateway: Gateway
    let intercept: InterceptedTarget?
    private var phase = Phase.idle
    private var exchange: Exchange?
    private var upstream: Upstream?
    private var context: ChannelHandlerContext?
    private var readPending = false
    private var client = ""
    /// The tester who authenticated on this connection, kept so the kill switch can find it.
    private var registered: UUID?
    /// The last credentials that passed on this connection, valid while the view they were checked
    /// against is current (a refresh, e.g. after a token rotation, checks them again).
    private var authenticated: (header: String, view: GatewayView, tester: GatewayDirectory.Tester)?
    /// A tunnel or interception ready to take over, waiting for the decoder to finish the CONNECT
    /// request: handing over before its end would deliver that end to the TLS or tunnel handler.
    private var backlogWait = false
    private var pendingHandOver: ((ChannelPipeline.SynchronousOperations) throws -> Void)?

    init(gateway: Gateway, intercept: InterceptedTarget?) {
        self.gateway = gateway
        self.intercept = intercept
    }

    /// Adds the HTTP server handlers and `handler` at the end of the pipeline.
    static func install(on sync: ChannelPipeline.SynchronousOperations, handler: HTTPProxyHandler) throws {
        try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
        try sync.addHandler(HTTPResponseEncoder())
        try sync.addHandler(RequestSequencer())
        try sync.addHandler(handler)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        client = Self.describe(context.channel.remoteAddress)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = phase else { return }
            start(head, context: context)
        case .body(let buffer):
            guard let exchange else { return }
            exchange.requestBody.add(buffer)
            switch phase {
            case .waiting: exchange.buffered.append(.body(.byteBuffer(buffer)))
            case .forwarding: upstream?.handler.send(.body(.byteBuffer(buffer)), flush: true)
            default: break
            }
        case .end(let trailers):
            guard let exchange else { return }
            exchange.requestEnded = true
            if let install = pendingHandOver {
                pendingHandOver = nil
                return handOver(context: context, install: install)
            }
            switch phase {
            case .waiting: exchange.buffered.append(.end(trailers))
            case .forwarding: upstream?.handler.send(.end(trailers), flush: true)
            case .draining: finishDraining(context: context)
            default: break
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange, case .forwarding = phase {
            exchange.row.reason = exchange.row.reason ?? "client_closed"
            finish(exchange)
        }
        exchange = nil
        upstream?.channel.close(promise: nil)
        upstream = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { upstream?.handler.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if gateway.batcher.isBacklogged {
            // Records are not being written as fast as they come: wait for the writer, not memory.
            guard !backlogWait else { return }
            backlogWait = true
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(2)) { [self] in
                backlogWait = false
                if let context = self.context { self.read(context: context) }
            }
            return
        }
        switch phase {
        case .waiting:
            readPending = true
        case .forwarding where !(upstream?.channel.isWritable ?? true):
            readPending = true
        default:
            context.read()
        }
    }

    private func resumeClientReads() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    var clientWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: A request arrives

    private func start(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let now = Date()
        let exchange = Exchange(head: head, client: client, startedAt: now, cap: gateway.view?.settings.bodyCapBytes ?? 65536)
        self.exchange = exchange
        guard let view = gateway.view else { return refuse(.windowClosed, context: context, close: true) }

        if let intercept {
            // Decrypted request inside an admitted CONNECT: the target is fixed, the standing is checked again.
            var target = ProxyTarget(scheme: "https", host: intercept.host, port: intercept.port, path: head.uri)
            if head.uri.utf8.first != UInt8(ascii: "/"),
               let absolute = ProxyTarget.absolute(head.uri.hasPrefix("https://") ? "http://" + head.uri.dropFirst(8) : head.uri) {
                target.path = absolute.path
            }
            exchange.target = target
            exchange.identify(intercept.tester, kind: "https")
            exchange.row.campaignID = intercept.grant.campaignID
            switch view.openCampaigns(team: intercept.tester.teamID, at: now) {
            case .failure(let refusal): return refuse(refusal, context: context, close: true)
            case .success(let open):
                guard open.contains(where: { $0.entry.id == intercept.grant.campaignID }) else {
                    return refuse(.windowClosed, context: context, close: true)
                }
            }
            guard gateway.takeToken(team: intercept.tester.teamID, settings: view.settings) else {
                return refuse(.rateLimited, context: context, close: false)
            }
            return admitted(intercept.grant, context: context)
        }

        let isConnect = head.method == .CONNECT
        guard let target = isConnect ? ProxyTarget.authority(head.uri) : ProxyTarget.absolute(head.uri) else {
            exchange.target = ProxyTarget(scheme: "http", host: "", port: 0, path: head.uri)
            // A malformed http:// URL (no host, a bad port) is a bad request; only another scheme is unsupported.
            let malformed = head.uri.hasPrefix("/") || isConnect || ProxyTarget.httpSchemeEnd(head.uri) != nil
            return refuse(malformed ? .badRequest : .unsupported, context: context, close: isConnect)
        }
        exchange.target = target
        exchange.row.kind = isConnect ? "tunnel" : "http"
        guard let header = head.headers.first(name: "proxy-authorization") else {
            return refuse(.authenticationRequired, context: context, close: isConnect)
        }
        let tester: GatewayDirectory.Tester
        if let cached = authenticated, cached.header == header, cached.view === view {
            // The same credentials against the same snapshot: a keep-alive connection's next request.
            tester = cached.tester
        } else {
            guard let credentials = ProxyCredentials(header: header) else {
                return refuse(.badCredentials, context: context, close: isConnect)
            }
            exchange.row.username = credentials.username
            guard let found = view.authenticate(username: credentials.username, token: credentials.token) else {
                // A known tester's name with a wrong token: filed under their team and campaign, so
                // the organiser sees attempts on that account (the user id stays unset: not proven).
                if let named = view.testers[credentials.username] {
                    exchange.row.teamID = named.teamID
                    exchange.row.campaignID = view.filingCampaign(team: named.teamID, at: now)
                }
                return refuse(.badCredentials, context: context, close: isConnect)
            }
            tester = found
            authenticated = (header, view, found)
        }
        exchange.row.username = tester.username
        exchange.identify(tester, kind: exchange.row.kind)
        if registered != tester.userID {
            registered = tester.userID
            gateway.registry.register(.init(channel: context.channel, userID: tester.userID, teamID: tester.teamID, campaignID: nil))
        }
        let open: [GatewayView.CampaignScope]
        switch view.openCampaigns(team: tester.teamID, at: now) {
        case .failure(let refusal):
            exchange.row.campaignID = view.filingCampaign(team: tester.teamID, at: now)
            return refuse(refusal, context: context, close: isConnect)
        case .success(let campaigns): open = campaigns
        }
        exchange.row.campaignID = open.first?.entry.id
        guard gateway.takeToken(team: tester.teamID, settings: view.settings) else {
            return refuse(.rateLimited, context: context, close: isConnect)
        }
        phase = .waiting
        let decide: ([IPAddress]) -> Void = { [self] resolved in
            guard let context = self.context, self.exchange === exchange else { return }
            switch view.decide(team: tester.teamID, host: target.host, port: target.port, resolved: resolved, in: open) {
            case .success(let grant):
                exchange.row.campaignID = grant.campaignID
                self.admitted(grant, context: context)
            case .failure(let refusal):
                self.refuse(refusal, context: context, close: isConnect)
            }
        }
        if let literal = Scope.isLiteral(target.host) {
            decide([literal])
        } else if GatewayView.needsResolution(host: target.host, port: target.port, in: open) {
            gateway.resolver.resolve(host: target.host, eventLoop: context.eventLoop).assumeIsolated().whenComplete { result in
                decide((try? result.get()) ?? [])
            }
        } else {
            decide([])
        }
    }

    // MARK: Admitted

    private func admitted(_ grant: Grant, context: ChannelHandlerContext) {
        guard let exchange else { return }
        exchange.row.address = grant.address.description
        exchange.row.decision = "allowed"
        if exchange.head.method == .CONNECT && intercept == nil {
            return grant.intercept ? startInterception(grant, context: context) : openTunnel(grant, context: context)
        }
        phase = .waiting
        let tls = intercept != nil
        let key = Upstream.Key(address: grant.address, port: exchange.target.port, tls: tls, serverName: exchange.target.host)
        if let upstream, upstream.key == key, upstream.channel.isActive, upstream.reusable {
            forward(exchange, to: upstream)
            return
        }
        upstream?.channel.close(promise: nil)
        upstream = nil
        let certificate = NIOLockedValueBox<String?>(nil)
        let host = exchange.target.host
        let connectTimeout = gateway.view?.settings.connectTimeout ?? 10
        let bootstrap = ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.milliseconds(Int64(connectTimeout * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try UpstreamTLS.addHTTPClientHandlers(to: sync, tls: tls, host: host, certificate: certificate,
                                                          forwardInformational: true)
                    try sync.addHandler(UpstreamHTTPHandler())
                }
            }
        let address: SocketAddress
        do { address = try grant.address.socketAddress(port: exchange.target.port) } catch {
            return upstreamError(exchange, reason: "upstream_error", context: context)
        }
        bootstrap.connect(to: address).assumeIsolated().whenComplete { [self] result in
            guard self.exchange === exchange else {
                if case .success(let channel) = result { channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let channel):
                guard let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamHTTPHandler.self) else {
                    channel.close(promise: nil)
                    return self.upstreamError(exchange, reason: "upstream_error", context: context)
                }
                handler.client = self
                let link = Upstream(key: key, channel: channel, handler: handler, certificate: certificate)
                self.upstream = link
                self.forward(exchange, to: link)
            case .failure:
                self.upstreamError(exchange, reason: "upstream_unreachable", context: context)
            }
        }
    }

    /// Sends the request (head, then what was buffered) to the target.
    private func forward(_ exchange: Exchange, to upstream: Upstream) {
        phase = .forwarding
        upstream.reusable = false
        var head = exchange.head
        head.uri = exchange.target.path
        head.version = .http1_1
        Self.stripHopByHop(&head.headers)
        if !head.headers.contains(name: "host") {
            head.headers.add(name: "Host", value: exchange.target.hostForURL + (exchange.target.port == (intercept == nil ? 80 : 443) ? "" : ":\(exchange.target.port)"))
        }
        let buffered = exchange.buffered
        exchange.buffered = []
        upstream.handler.send(.head(head), flush: buffered.isEmpty && !exchange.requestEnded)
        for (i, part) in buffered.enumerated() {
            upstream.handler.send(part, flush: i == buffered.count - 1)
        }
        resumeClientReads()
    }

    // MARK: The target answers

    func upstreamRead(_ part: HTTPClientResponsePart, from handler: UpstreamHTTPHandler) {
        guard let context, let exchange, case .forwarding = phase, upstream?.handler === handler else { return }
        switch part {
        case .head(let head) where (100..<200).contains(head.status.code) && head.status != .switchingProtocols:
            // An interim answer (a 100 Continue the client may be waiting for before it sends its
            // body) goes straight on; the final head follows. HTTP/1.0 clients get none (RFC 9110 §15.2).
            guard exchange.head.version.major > 1 || exchange.head.version.minor >= 1 else { return }
            var interim = HTTPResponseHead(version: .http1_1, status: head.status)
            interim.headers = head.headers
            Self.stripHopByHop(&interim.headers)
            context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
        case .head(let head):
            exchange.row.status = Int(head.status.code)
            exchange.row.responseHeaders = head.headers.map { GatewayRecordRow.Header($0.name, $0.value) }
            exchange.responseStarted = true
            exchange.upstreamKeepAlive = head.isKeepAlive
            exchange.headerBytesDown = Self.responseHeadBytes(head.headers)
            var out = HTTPResponseHead(version: .http1_1, status: head.status)
            out.headers = head.headers
            Self.stripHopByHop(&out.headers)
            if !exchange.keepAlive { out.headers.replaceOrAdd(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(out)), promise: nil)
        case .body(let buffer):
            exchange.responseBody.add(buffer)
            // Flushed when the target's read is complete (or at the end): one write per read, not per part.
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            let keepAlive = exchange.keepAlive && exchange.requestEnded
            if exchange.upstreamKeepAlive { upstream?.reusable = true } else {
                upstream?.channel.close(promise: nil)
                upstream = nil
            }
            finish(exchange)
            self.exchange = nil
            phase = .idle
            if keepAlive {
                context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
            } else {
                context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            }
        }
    }

    func upstreamReadComplete(_ handler: UpstreamHTTPHandler) {
        guard upstream?.handler === handler, case .forwarding = phase else { return }
        context?.flush()
    }

    func upstreamClosed(_ handler: UpstreamHTTPHandler) {
        guard upstream?.handler === handler else { return }
        upstream = nil
        guard let context, let exchange, case .forwarding = phase else { return }
        if exchange.responseStarted {
            // The body was cut short: the client cannot be told otherwise than by closing.
            exchange.row.reason = exchange.row.reason ?? "upstream_closed"
            finish(exchange)
            self.exchange = nil
            context.close(promise: nil)
        } else {
            upstreamError(exchange, reason: exchange.row.reason ?? "upstream_closed", context: context)
        }
    }

    func upstreamFailed(_ handler: UpstreamHTTPHandler, error: any Error) {
        guard upstream?.handler === handler, let exchange else { return }
        exchange.row.reason = error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
            ? "upstream_tls_error" : "upstream_error"
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        if writable { resumeClientReads() }
    }

    // MARK: Answers of our own

    /// A 502 for a target that could not be reached or closed before answering; recorded as allowed.
    private func upstreamError(_ exchange: Exchange, reason: String, context: ChannelHandlerContext) {
        exchange.row.reason = exchange.row.reason ?? reason
        exchange.row.status = 502
        let text = "目标无法连接或未应答。 / The target could not be reached or did not answer (\(reason)).\n"
        // Recorded before the answer goes out, so no client sees an answer whose record is not queued.
        finish(exchange)
        respond(status: .badGateway, text: text, extra: [("X-Patrol-Error", reason)], context: context,
                close: exchange.head.method == .CONNECT || !exchange.keepAlive)
        afterOwnResponse(exchange, context: context)
    }

    /// Refuses the request with the reason in the body (SPEC §6) and records it as denied.
    private func refuse(_ refusal: Refusal, context: ChannelHandlerContext, close: Bool) {
        guard let exchange else { return }
        exchange.row.decision = "denied"
        exchange.row.reason = refusal.rawValue
        exchange.row.status = refusal.status
        if let alert = refusal.alert { exchange.row.alerts.append(alert) }
        var extra = [("X-Patrol-Refusal", refusal.rawValue)]
        if refusal.status == 407 { extra.append(("Proxy-Authenticate", "Basic realm=\"Patrol\", charset=\"UTF-8\"")) }
        let status = HTTPResponseStatus(statusCode: refusal.status)
        finish(exchange)
        respond(status: status, text: refusal.message + "\n", extra: extra, context: context, close: close || !exchange.keepAlive)
        afterOwnResponse(exchange, context: context)
    }

    private func afterOwnResponse(_ exchange: Exchange, context: ChannelHandlerContext) {
        if exchange.requestEnded {
            self.exchange = nil
            phase = .idle
        } else {
            phase = .draining
        }
        resumeClientReads()
    }

    private func finishDraining(context: ChannelHandlerContext) {
        exchange = nil
        phase = .idle
    }

    private func respond(status: HTTPResponseStatus, text: String, extra: [(String, String)], context: ChannelHandlerContext, close: Bool) {
        var head = HTTPResponseHead(version: .http1_1, status: status)
        let body = context.channel.allocator.buffer(string: text)
        head.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        head.headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        head.headers.add(name: "Connection", value: close ? "close" : "keep-alive")
        for (name, value) in extra { head.headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }

    // MARK: CONNECT

    /// A plain tunnel: connect to the checked address, answer 200, then glue bytes both ways.
    private func openTunnel(_ grant: Grant, context: ChannelHandlerContext) {
        guard let exchange else { return }
        phase = .waiting
        var row = exchange.row
        row.url = "\(exchange.target.hostForURL):\(exchange.target.port)"
        row.method = "CONNECT"
        row.requestHeaders = nil
        let meter = TunnelMeter(gateway: gateway, row: row)
        let tester = exchange.tester
        Tunnel.connect(to: grant.address, port: exchange.target.port, meter: meter, on: context.eventLoop,
                       timeout: gateway.view?.settings.connectTimeout ?? 10) { [self] result in
            guard let context = self.context else {
                if case .success(let glue) = result { glue.closePartner() }
                return
            }
            switch result {
            case .success(let glue):
                if let tester {
                    self.gateway.registry.register(.init(channel: context.channel, userID: tester.userID, teamID: tester.teamID,
                                                         campaignID: grant.campaignID))
                }
                self.handOver(context: context) { sync in try sync.addHandler(glue) }
            case .failure:
                self.upstreamError(exchange, reason: "upstream_unreachable", context: context)
            }
        }
    }

    /// Interception: answer 200, then speak TLS to the client with a leaf for the target signed by
    /// the campaign's CA, and handle the decrypted requests in a fresh handler bound to this target.
    private func startInterception(_ grant: Grant, context: ChannelHandlerContext) {
        guard let exchange, let tester = exchange.tester else { return }
        let tls: NIOSSLContext
        do {
            tls = try gateway.authority(campaign: grant.campaignCode).serverContext(for: exchange.target.host)
        } catch {
            gateway.logger.error("gateway CA for \(grant.campaignCode): \(String(describing: error))")
            return upstreamError(exchange, reason: "interception_unavailable", context: context)
        }
        gateway.registry.register(.init(channel: context.channel, userID: tester.userID, teamID: tester.teamID, campaignID: grant.campaignID))
        let target = InterceptedTarget(host: exchange.target.host, port: exchange.target.port, grant: grant, tester: tester)
        let gateway = self.gateway
        handOver(context: context) { sync in
            try sync.addHandler(NIOSSLServerHandler(context: tls))
            try HTTPProxyHandler.install(on: sync, handler: HTTPProxyHandler(gateway: gateway, intercept: target))
        }
    }

    /// Leaves HTTP: removes the HTTP handlers and this one, answers 200 in raw bytes, adds what
    /// follows, and only then removes the decoder, so bytes the client sent early reach the new handlers.
    private func handOver(context: ChannelHandlerContext, install: @escaping (ChannelPipeline.SynchronousOperations) throws -> Void) {
        if let exchange, !exchange.requestEnded {
            pendingHandOver = install
            return
        }
        phase = .handedOver
        exchange = nil
        let channel = context.channel
        let sync = channel.pipeline.syncOperations
        do {
            let pipelining = try sync.handler(type: RequestSequencer.self)
            let encoder = try sync.handler(type: HTTPResponseEncoder.self)
            let decoder = try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            sync.removeHandler(pipelining, promise: nil)
            sync.removeHandler(encoder, promise: nil)
            sync.removeHandler(context: context, promise: nil)
            channel.writeAndFlush(channel.allocator.buffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n"), promise: nil)
            try install(sync)
            sync.removeHandler(decoder, promise: nil)
            if readPending {
                readPending = false
                channel.read()
            }
        } catch {
            channel.close(promise: nil)
        }
    }

    // MARK: Records

    private func finish(_ exchange: Exchange) {
        var row = exchange.row
        if row.url.isEmpty { row.url = exchange.target.url }
        row.host = exchange.target.host
        row.port = exchange.target.port
        row.method = exchange.head.method.rawValue
        row.durationMs = Int((NIODeadline.now() - exchange.started).nanoseconds / 1_000_000)
        row.requestHeaders = exchange.head.headers.map { header in
            Self.asciiCaseInsensitiveEquals(header.name, "proxy-authorization")
                ? GatewayRecordRow.Header(header.name, "Basic (\(row.username ?? "?"):***)")
                : GatewayRecordRow.Header(header.name, header.value)
        }
        row.bytesUp = Int64(exchange.headerBytesUp + exchange.requestBody.total)
        row.bytesDown = Int64(exchange.headerBytesDown + exchange.responseBody.total)
        exchange.requestBody.store(in: &row.requestBody, size: &row.requestBodySize, truncated: &row.requestBodyTruncated)
        exchange.responseBody.store(in: &row.responseBody, size: &row.responseBodySize, truncated: &row.responseBodyTruncated)
        if let tls = upstream?.certificate.withLockedValue({ $0 }) { row.tls = tls }
        if row.decision == "allowed" {
            var text = Array(row.url.utf8)
            if let body = row.requestBody { text.append(0x0a); text.append(contentsOf: body) }
            for alert in DangerousPayload.scan(text).sorted(by: { $0.rawValue < $1.rawValue }) {
                row.alerts.append(alert.rawValue)
            }
        }
        gateway.record(row)
    }

    /// Removes the hop-by-hop headers (RFC 9110 §7.6.1) and those the Connection header names. One
    /// pass to look, then one in-place removal per name found (usually one: Proxy-Authorization on a
    /// request, Connection on a response).
    static func stripHopByHop(_ headers: inout HTTPHeaders) {
        var found: [String] = []
        for (name, value) in headers where isHopByHop(name) {
            if !found.contains(where: { asciiCaseInsensitiveEquals($0, name) }) { found.append(name) }
            guard asciiCaseInsensitiveEquals(name, "connection") else { continue }
            for token in value.split(separator: ",") {
                let trimmed = token.drop(while: { $0 == " " || $0 == "\t" })
                let listed = trimmed.prefix(while: { $0 != " " && $0 != "\t" })
                if !listed.isEmpty && !found.contains(where: { asciiCaseInsensitiveEquals($0, listed) }) {
                    found.append(String(listed))
                }
            }
        }
        for name in found { headers.remove(name: name) }
    }

    private static let hopByHop = ["connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate",
                                   "te", "trailer", "upgrade"]

    static func isHopByHop<S: StringProtocol>(_ name: S) -> Bool {
        // The eight names are 2, 7, 10, 16, 18 and 19 bytes long: most headers are out at the length.
        switch name.utf8.count {
        case 2, 7, 10, 16, 18, 19: return hopByHop.contains { asciiCaseInsensitiveEquals(name, $0) }
        default: return false
        }
    }

    /// Header names compare without regard to ASCII case, and without allocating a lowercased copy.
    static func asciiCaseInsensitiveEquals<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return zip(a.utf8, b.utf8).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
        }
    }

    static func size(of headers: HTTPHeaders) -> Int {
        headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 } + 2
    }

    /// Bytes of a request's line and headers as they cross the wire (`GET <uri> HTTP/1.1\r\n…`).
    static func requestHeadBytes(_ head: HTTPRequestHead) -> Int { size(of: head.headers) + head.uri.utf8.count + 16 }

    /// Bytes of a response's status line (`HTTP/1.1 200 OK\r\n`, about 17) and headers.
    static func responseHeadBytes(_ headers: HTTPHeaders) -> Int { size(of: headers) + 17 }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress else { return "?" }
        let port = address.port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

/// One request and its response as they pass, with what the record needs.
private final class Exchange {
    let head: HTTPRequestHead
    let started = NIODeadline.now()
    var row: GatewayRecordRow
    var target = ProxyTarget(scheme: "http", host: "", port: 0, path: "/")
    var tester: GatewayDirectory.Tester?
    var buffered: [HTTPClientRequestPart] = []
    var requestEnded = false
    var responseStarted = false
    var upstreamKeepAlive = true
    let keepAlive: Bool
    var requestBody: BodyCapture
    var responseBody: BodyCapture
    let headerBytesUp: Int
    var headerBytesDown = 0

    init(head: HTTPRequestHead, client: String, startedAt: Date, cap: Int) {
        self.head = head
        self.keepAlive = head.isKeepAlive
        self.row = GatewayRecordRow(client: client, kind: "http", url: "", host: "", port: 0, startedAt: startedAt, decision: "denied")
        self.requestBody = BodyCapture(cap: cap)
        self.responseBody = BodyCapture(cap: cap)
        self.headerBytesUp = HTTPProxyHandler.requestHeadBytes(head)
    }

    func identify(_ tester: GatewayDirectory.Tester, kind: String) {
        self.tester = tester
        row.userID = tester.userID
        row.teamID = tester.teamID
        row.username = tester.username
        row.kind = kind
    }
}

/// The first `cap` bytes of a body, and how many there were in all.
struct BodyCapture {
    let cap: Int
    var kept = Data()
    var total = 0

    init(cap: Int) { self.cap = cap }

    mutating func add(_ buffer: ByteBuffer) {
        total += buffer.readableBytes
        let room = cap - kept.count
        if room > 0 { kept.append(contentsOf: buffer.readableBytesView.prefix(room)) }
    }

    func store(in body: inout Data?, size: inout Int, truncated: inout Bool) {
        size = total
        truncated = total > kept.count
        body = total == 0 ? nil : kept
    }
}

/// A keep-alive connection to a target, reused while the next request goes to the same place.
final class Upstream {
    struct Key: Equatable {
        var address: IPAddress
        var port: Int
        var tls: Bool
        var serverName: String
    }

    let key: Key
    let channel: any Channel
    let handler: UpstreamHTTPHandler
    let certificate: NIOLockedValueBox<String?>
    var reusable = false

    init(key: Key, channel: any Channel, handler: UpstreamHTTPHandler, certificate: NIOLockedValueBox<String?>) {
        self.key = key
        self.channel = channel
        self.handler = handler
        self.certificate = certificate
    }
}
